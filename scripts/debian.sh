# Sourced by scripts/test.sh and scripts/rehearsal/run.sh: Debian packages installed when missing.

as_root() { [ "$(id -u)" = 0 ]; }

ensure_debian_package() { # $1 = file that must exist, $2… = packages that bring it
  local wanted=$1; shift
  [ -e "$wanted" ] && return 0
  if as_root && command -v apt-get >/dev/null; then
    printf '\n== Installing %s from Debian'"'"'s packages\n' "$*"
    # Installed, not started: a server package would otherwise start its default service (nginx
    # on every interface's port 80, PostgreSQL's main cluster, Redis) where no policy says no.
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    fi
    (export DEBIAN_FRONTEND=noninteractive
     apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null 2>&1; }) || true
    if [ -n "$policy" ]; then rm -f "$policy"; fi
  fi
  [ -e "$wanted" ]
}
