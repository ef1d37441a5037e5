# packages.sh - sourced by .ci/run and demo/quickstart.sh: installs the Debian
# packages portcullis needs to build and test, when they are missing.
pc_packages=(build-essential cmake pkg-config libnetfilter-queue-dev libmnl-dev libnfnetlink-dev
	libinih-dev libpcap-dev check iptables iproute2 nmap ncat dnsmasq-base dnsutils iputils-ping
	curl socat tcpdump python3 procps conntrack systemd kmod groff-base man-db strace libcap2-bin util-linux
	debhelper dpkg-dev lintian debootstrap systemd-container clang libclang-rt-14-dev)

# pc_missing_packages: the packages of pc_packages not installed, one a line.
pc_missing_packages() {
	local p
	for p in "${pc_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			echo "$p"
	done
}

pc_install_packages() {
	local missing
	mapfile -t missing < <(pc_missing_packages)
	((${#missing[@]})) || return 0
	echo "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# promtool checks the metrics file (tests/e2e/metrics.sh). It comes in Debian's
# prometheus package, whose install would pull 11 more packages and start a
# Prometheus server (its postinst starts the service, by init script where
# systemd is not PID 1): only the promtool binary is taken out of the package,
# into PC_PROMTOOL_DIR, without running any of its scripts.
PC_PROMTOOL_DIR=${PC_PROMTOOL_DIR:-/var/cache/portcullis-ci/bin}

pc_install_promtool() {
	local tmp
	command -v promtool >/dev/null && return 0
	[ -x "$PC_PROMTOOL_DIR/promtool" ] && return 0
	echo "extracting promtool from the prometheus package into $PC_PROMTOOL_DIR"
	# readable: apt downloads as its _apt user
	tmp=$(mktemp -d /tmp/pc-promtool.XXXXXX) && chmod 755 "$tmp" || return 1
	if (cd "$tmp" && { apt-get download prometheus >/dev/null ||
		{ apt-get update >/dev/null && apt-get download prometheus >/dev/null; }; }) &&
		dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool &&
		mkdir -p "$PC_PROMTOOL_DIR" && mv "$tmp/usr/bin/promtool" "$PC_PROMTOOL_DIR/promtool"; then
		rm -rf "$tmp"
		return 0
	fi
	rm -rf "$tmp"
	echo "could not extract promtool (tests/e2e/metrics.sh will say so)" >&2
	return 1
}
