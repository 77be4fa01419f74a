"""Each field's label and one-line help, shared by the CLI's help and the TUI's forms."""

FIELD_HELP: dict[str, tuple[str, str]] = {
    "name": ("Name", "Unique name of this component"),
    "type": ("Credentials Type", "Custom, or a preset that fills the endpoints: Microsoft, Google"),
    "tenant": ("Tenant", "Microsoft tenant: common, organizations, consumers, or a tenant ID"),
    "authorization_url": (
        "Authorization URL",
        "URL used for first contact/authorization on the authorization server",
    ),
    "token_url": ("Token URL", "URL used to obtain and refresh tokens"),
    "device_authorization_url": (
        "Device authorization URL",
        "Optional: URL of the device authorization grant (sign in on another device)",
    ),
    "issuer": (
        "Issuer",
        "Optional: the provider's issuer URL; Discover reads the endpoints from its metadata",
    ),
    "revocation_url": (
        "Revocation URL",
        "Optional: where tokens are revoked (RFC 7009) when they are forgotten",
    ),
    "introspection_url": (
        "Introspection URL",
        "Optional: where a token's state and grants are looked up (RFC 7662)",
    ),
    "client_id": ("Client id", "Identifier of the application registered with the provider"),
    "client_secret": ("Client secret", "Secret of the registered application; empty for public"),
    "auth_method": (
        "Client authentication",
        "How the client authenticates at the token URL: POST body, HTTP Basic, or none",
    ),
    "scope": ("Scope", "Space-separated scopes to request"),
    "refresh_delay": (
        "Refresh token delay",
        "Seconds before expiry at which the token may be refreshed",
    ),
    "variable": (
        "Header name / Global variable",
        "Name other components use to reference the token, as @Name",
    ),
    "redirect_port": (
        "Redirect port",
        "Loopback port of the redirect URI; 0 picks a free one where the provider allows it",
    ),
    "extra_params": (
        "Extra parameters",
        "Additional authorization parameters, key=value (e.g. prompt=consent, login_hint=...)",
    ),
    "protocol": (
        "Protocol",
        "imaps/pop3s/smtps (implicit TLS) or imap/pop3/smtp (STARTTLS, required)",
    ),
    "host": ("Host", "Mail server host name"),
    "port": ("Port", "Server port; 0 uses the protocol's default"),
    "username": ("Username", "Mailbox login name, usually the email address"),
    "auth": ("Authentication Type", "OAuth (an access token) or Basic (a password)"),
    "token_ref": ("Access Token", "The OAuth2 component's variable, as @Name"),
    "password": ("Password", "Password for Basic authentication, kept in the vault"),
    "sasl": ("SASL mechanism", "XOAUTH2 (Microsoft, Google) or OAUTHBEARER (RFC 7628)"),
    "folder": ("Folder", "Mailbox folder to read (POP3: INBOX)"),
    "content": ("Content", "What reading a message gives: body, attachments, or both"),
    "from_address": ("From address", "Sender address of sent mail; empty uses the username"),
    "ca_file": ("CA file", "Optional PEM file of CA certificates for self-signed or corporate CAs"),
    "timeout": ("Timeout", "Seconds to wait for the server"),
    "allow_plaintext": (
        "Allow plaintext",
        "Log in without TLS when STARTTLS is not offered (loopback hosts only)",
    ),
}
