# lib.sh - what the system tests share (sourced after tests/e2e/lib.sh, never
# run): building the Debian package from a copy of the tree, a cached Debian 12
# minbase root, and booting it with systemd-nspawn as PID 1 inside the server
# namespace of pc_topo, so that the client namespace reaches it over the veth.
#
# The host need not run systemd: nspawn runs with --register=no --keep-unit
# and is driven with nsenter. It creates its cgroups (payload, supervisor)
# under its own, so each container gets a cgroup of its own in both
# hierarchies (unified and name=systemd), removed on teardown.
#
# Environment: PC_SYS_CACHE (default /var/cache/portcullis-ci) holds the root
# tarball; PC_SYS_MIRROR overrides the Debian mirror (default: the one apt
# uses for bookworm on this machine).

PC_SYS_CACHE=${PC_SYS_CACHE:-/var/cache/portcullis-ci}
PC_SYS_SUITE=bookworm
# What the root needs besides the package's own Depends: a listener (ncat)
# and logrotate for the logrotate file.
PC_SYS_BASE=(systemd dbus iptables iproute2 procps ncat logrotate)
# Bump when the root is prepared differently (a new cache file is made).
PC_SYS_ROOT_REV=1

SYS_NSPAWN_PID=
SYS_PID1=
SYS_CGROUP=
SYS_ROOT=

# sys_mirror: the bookworm mirror apt uses here (deb822 or one-line sources).
sys_mirror() {
	local m
	if [ -n "${PC_SYS_MIRROR:-}" ]; then
		echo "$PC_SYS_MIRROR"
		return
	fi
	m=$(awk '
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "'$PC_SYS_SUITE'") found = uri }
		/^$/ { uri = "" }
		END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "'$PC_SYS_SUITE'" && $2 !~ /^\[/ { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# sys_deb_depends DEB: the package names of its Depends, one a line.
sys_deb_depends() {
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/[[:space:]]//g' | grep .
}

# sys_root_tarball DEB: prints the cached root tarball for a root that holds
# the base packages and DEB's Depends (so that the container, which has no
# network, installs DEB offline), making it first when missing (flock: a
# concurrent run waits). Returns 1 when debootstrap fails (log on stderr).
sys_root_tarball() {
	local deb=$1 pkgs key tar tmp rc
	pkgs=$( { printf '%s\n' "${PC_SYS_BASE[@]}"; sys_deb_depends "$deb"; } | sort -u | paste -sd,)
	key=$(printf '%s %s %s\n' "$PC_SYS_ROOT_REV" "$PC_SYS_SUITE" "$pkgs" | sha256sum | cut -c1-12)
	tar=$PC_SYS_CACHE/$PC_SYS_SUITE-minbase-$key.tar.gz
	mkdir -p "$PC_SYS_CACHE" || return 1
	(
		flock -w 600 9 || exit 1
		[ -s "$tar" ] && exit 0
		tmp=$(mktemp -d "$PC_SYS_CACHE/root.XXXXXX") || exit 1
		# shellcheck disable=SC2064
		trap "rm -rf '$tmp'" EXIT
		printf '# debootstrap %s (%s) into the cache: %s\n' "$PC_SYS_SUITE" "$pkgs" "$tar" >&2
		timeout 600 debootstrap --variant=minbase --include="$pkgs" "$PC_SYS_SUITE" \
			"$tmp/root" "$(sys_mirror)" >"$tmp/debootstrap.log" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ]; then
			tail -n 20 "$tmp/debootstrap.log" >&2
			exit 1
		fi
		# no login prompt on the read-only console; no downloaded packages
		ln -sf /dev/null "$tmp/root/etc/systemd/system/console-getty.service"
		rm -f "$tmp/root"/var/cache/apt/archives/*.deb
		tar --numeric-owner -C "$tmp/root" -cf - . | gzip -1 >"$tmp/root.tar.gz" &&
			mv "$tmp/root.tar.gz" "$tar"
	) 9>"$PC_SYS_CACHE/.lock" || return 1
	echo "$tar"
}

# sys_build_debs SRC OUT: copies the tree SRC (its git files, tracked and
# untracked, or all of it but build*/ without git) to OUT/portcullis and runs
# dpkg-buildpackage there; the .deb lands in OUT. The unit tests are not run
# again here (DEB_BUILD_OPTIONS=nocheck): tests/run.sh runs them.
sys_build_debs() {
	local src=$1 out=$2
	mkdir -p "$out/portcullis" || return 1
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$src" && git ls-files -co --exclude-standard -z |
			xargs -0 cp --parents -t "$out/portcullis") || return 1
	else
		tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$out/portcullis" -xf - ||
			return 1
	fi
	sys_rebuild_debs "$out" "$PC_TMP/build.log" ""
}

# sys_rebuild_debs OUT LOG OPTS: dpkg-buildpackage -b OPTS in OUT/portcullis.
sys_rebuild_debs() {
	# shellcheck disable=SC2086
	(cd "$1/portcullis" && DEB_BUILD_OPTIONS="nocheck parallel=${JOBS:-2}" \
		timeout 600 dpkg-buildpackage -us -uc -b $3) >"$2" 2>&1
}

# sys_bump_version OUT VERSION: a new changelog entry on top.
sys_bump_version() {
	local cl=$1/portcullis/debian/changelog
	{
		printf 'portcullis (%s) unstable; urgency=medium\n\n' "$2"
		printf '  * Rebuilt by tests/system to test an upgrade.\n\n'
		printf ' -- %s  %s\n\n' "$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$cl" | head -1)" "$(date -R)"
		cat "$cl"
	} >"$cl.new" && mv "$cl.new" "$cl"
}

# ct CMD...: runs CMD in the container (all its namespaces), 60 s at most,
# with a clean environment.
ct() {
	timeout 60 nsenter -t "$SYS_PID1" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 TERM=dumb "$@"
}

# sys_boot ROOT NETNS: boots ROOT with systemd as PID 1 in the network
# namespace NETNS (named by ip netns) and waits (60 s at most) until its
# systemd is up. nspawn gives CAP_NET_ADMIN only with a network of its own:
# the namespace we hand it is one, so it gets it explicitly.
sys_boot() {
	local root=$1 ns=$2 i state h
	SYS_ROOT=$root
	SYS_CGROUP=pc-sys-$$
	for h in unified systemd; do
		[ -d "/sys/fs/cgroup/$h" ] || continue
		mkdir -p "/sys/fs/cgroup/$h/$SYS_CGROUP" || pc_bail "cgroup $h/$SYS_CGROUP"
	done
	# shellcheck disable=SC2016
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 setsid bash -c '
		for h in unified systemd; do
			f=/sys/fs/cgroup/$h/$1/cgroup.procs
			[ -e "$f" ] && echo $$ >"$f"
		done
		shift
		exec systemd-nspawn "$@"' nspawn "$SYS_CGROUP" -q -D "$root" -M "pcsys$$" --boot \
		--register=no --keep-unit --network-namespace-path="/run/netns/$ns" \
		--capability=CAP_NET_ADMIN --system-call-filter=bpf --console=read-only \
		>"$PC_TMP/boot.log" 2>&1 </dev/null &
	SYS_NSPAWN_PID=$!
	for ((i = 0; i < 200; i++)); do
		SYS_PID1=$(cat "/proc/$SYS_NSPAWN_PID/task/$SYS_NSPAWN_PID/children" 2>/dev/null)
		SYS_PID1=${SYS_PID1%% *}
		[ -n "$SYS_PID1" ] && [ "$(cat "/proc/$SYS_PID1/comm" 2>/dev/null)" = systemd ] && break
		SYS_PID1=
		pc_running "$SYS_NSPAWN_PID" || break
		sleep 0.05
	done
	if [ -z "$SYS_PID1" ]; then
		tail -n 20 "$PC_TMP/boot.log" | sed 's/^/#   /'
		pc_bail "systemd-nspawn did not start systemd"
	fi
	# its D-Bus comes up a moment after it starts: until then systemctl
	# cannot reach the manager and says "offline"; keep asking
	for ((i = 0; i < 120; i++)); do
		state=$(ct systemctl is-system-running --wait 2>&1)
		case $state in
		running | degraded | maintenance | stopping) break ;;
		esac
		pc_running "$SYS_NSPAWN_PID" || break
		sleep 0.5
	done
	pc_log "container: systemd pid $SYS_PID1 (host), system $state"
	case $state in
	running | degraded) ;;
	*) pc_bail "the container's systemd is $state" ;;
	esac
	[ "$state" = running ] || ct systemctl --failed --no-pager | sed 's/^/#   /'
}

# sys_cgroup_pids: the processes left in the container's cgroups.
sys_cgroup_pids() {
	local h
	for h in unified systemd; do
		[ -d "/sys/fs/cgroup/$h/$SYS_CGROUP" ] &&
			find "/sys/fs/cgroup/$h/$SYS_CGROUP" -name cgroup.procs -exec cat {} +
	done 2>/dev/null | sort -u
}

# sys_teardown: SIGTERM to nspawn shuts the container down in order (20 s at
# most, then SIGKILL to nspawn and whatever is left in the container's
# cgroups), then its cgroups are removed. Safe to call twice.
sys_teardown() {
	local i h pid
	if [ -n "$SYS_NSPAWN_PID" ]; then
		kill -TERM "$SYS_NSPAWN_PID" 2>/dev/null
		for ((i = 0; i < 200; i++)); do
			pc_running "$SYS_NSPAWN_PID" || break
			sleep 0.1
		done
		if pc_running "$SYS_NSPAWN_PID"; then
			pc_log "the container did not shut down within 20 s: SIGKILL"
			kill -KILL "$SYS_NSPAWN_PID" 2>/dev/null
		fi
		wait "$SYS_NSPAWN_PID" 2>/dev/null
		SYS_NSPAWN_PID=
	fi
	if [ -n "$SYS_CGROUP" ]; then
		for pid in $(sys_cgroup_pids); do
			kill -KILL "$pid" 2>/dev/null
		done
		for h in unified systemd; do
			[ -d "/sys/fs/cgroup/$h/$SYS_CGROUP" ] || continue
			# rmdir removes only empty cgroups; a killed process leaves late
			for ((i = 0; i < 100; i++)); do
				find "/sys/fs/cgroup/$h/$SYS_CGROUP" -depth -type d -exec rmdir {} + \
					2>/dev/null
				[ -d "/sys/fs/cgroup/$h/$SYS_CGROUP" ] || break
				sleep 0.1
			done
			[ -d "/sys/fs/cgroup/$h/$SYS_CGROUP" ] &&
				pc_log "cannot remove the cgroup $h/$SYS_CGROUP"
		done
		SYS_CGROUP=
	fi
}
