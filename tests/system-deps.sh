#!/bin/sh
# Installs the Debian/Ubuntu packages the tests start or drive (Dovecot for IMAP, POP3 and
# submission; openssl for test certificates; tmux; real mail clients), only those missing.
# Called by the README's test command and so by .ci/run. Needs root or sudo to install.
set -eu
PACKAGES="dovecot-imapd dovecot-pop3d dovecot-submissiond openssl tmux curl isync msmtp neomutt libsasl2-modules-kdexoauth2"

missing=""
for pkg in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $pkg"
done
# Debian's python3 has no venv support until python3-venv is installed.
python3 -c 'import ensurepip' 2>/dev/null || missing="$missing python3-venv"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "tests need these Debian packages:$missing (run as root: apt-get install$missing)" >&2
    exit 1
fi
echo "installing the packages the tests need:$missing" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The distribution's own Dovecot service is not used: the tests start their own instances.
if command -v systemctl >/dev/null 2>&1; then $sudo systemctl stop dovecot >/dev/null 2>&1 || true; fi
