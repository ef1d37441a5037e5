# packages.sh - sourced by .ci/run and demo/quickstart.sh: installs the Debian
# packages portcullis needs to build and test, when they are missing.
pc_packages=(build-essential cmake pkg-config libnetfilter-queue-dev libmnl-dev libnfnetlink-dev
	libinih-dev check iptables iproute2 nmap ncat dnsmasq-base dnsutils iputils-ping curl
	socat python3 procps systemd kmod groff-base man-db strace libcap2-bin util-linux
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
