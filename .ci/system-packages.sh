#!/usr/bin/env bash
# Installs, when missing, the Debian packages the scale-out end-to-end tests start throw-away
# instances of (test/e2e/lib/postgres.js, redis.js, balancer.js): postgresql (initdb, pg_ctl,
# psql), redis-server and haproxy. Nothing is installed when all are present. CI runs as root;
# elsewhere `sudo -n` is used if it works without a password.
set -euo pipefail

has_postgres() {
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return 0
	command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]
}
has() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
has_postgres || missing+=(postgresql)
has redis-server || missing+=(redis-server)
has haproxy || missing+=(haproxy)

if [ ${#missing[@]} -eq 0 ]; then
	echo "present: postgresql, redis-server, haproxy"
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	else
		echo "missing ${missing[*]}, and not root: install them with apt-get as root" >&2
		exit 1
	fi
fi

install() {
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
}
echo "installing ${missing[*]}"
# A fresh machine may have no package lists yet: update only when the install fails.
install || { "${sudo[@]}" apt-get update && install; }
