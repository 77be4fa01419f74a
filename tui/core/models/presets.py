"""The provider presets: endpoints, scopes and parameters filled in for Microsoft and Google."""

MICROSOFT_BASE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
MICROSOFT_DEFAULT_SCOPE = (
    "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office.com/SMTP.Send"
)
GOOGLE_AUTHORIZATION_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_SCOPE = "https://mail.google.com/"
# Google's revocation endpoint takes RFC 7009's form post (token=...); Microsoft has none.
GOOGLE_REVOCATION_URL = "https://oauth2.googleapis.com/revoke"
GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"
# Google returns a refresh token only for offline access, and only on consent.
GOOGLE_PARAMS: tuple[tuple[str, str], ...] = (("access_type", "offline"), ("prompt", "consent"))
PRESET_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {"google": GOOGLE_PARAMS}
