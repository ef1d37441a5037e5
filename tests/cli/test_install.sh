#!/usr/bin/env bash
# cmake --install into a staging directory (DESTDIR), twice, with the
# policy edited in between: it lands under $DESTDIR/etc/portcullis/ once,
# and the second install keeps the edit. Usage: test_install.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
stage=$tmp/stage
shipped="$here/../../conf/portcullis.conf"

expect_rc "first staged install: exit 0" 0 env DESTDIR="$stage" cmake --install "$build"
pol=$stage/etc/portcullis/portcullis.conf
[ -f "$pol" ] && ok "the policy lands under \$DESTDIR/etc/portcullis/" ||
	bad "the policy lands under \$DESTDIR/etc/portcullis/" "$(cd "$stage" && find . -name portcullis.conf)"
cmp -s "$shipped" "$pol" && ok "it is the shipped policy" || bad "it is the shipped policy"
[ "$(stat -c %a "$pol" 2>/dev/null)" = 640 ] && ok "mode 0640" || bad "mode 0640" "$(stat -c %a "$pol" 2>&1)"
n=$(find "$stage" -name portcullis.conf | wc -l)
[ "$n" -eq 1 ] && ok "installed once, DESTDIR not applied twice" ||
	bad "installed once, DESTDIR not applied twice" "$(find "$stage" -name portcullis.conf)"
for f in usr/sbin/portcullis usr/sbin/portcullisd usr/share/man/man8/portcullis.8 \
	usr/share/man/man5/portcullis.conf.5; do
	[ -e "$stage/$f" ] && ok "installed: /$f" || bad "installed: /$f"
done

echo "# edited by the admin" >>"$pol"
cp "$pol" "$tmp/edited"
expect_rc "second staged install: exit 0" 0 env DESTDIR="$stage" cmake --install "$build"
has "second install: says it keeps the policy" "$tmp/out" "Keeping existing $pol"
cmp -s "$tmp/edited" "$pol" && ok "the edited policy survives" || bad "the edited policy survives" "$(diff "$tmp/edited" "$pol")"
n=$(find "$stage" -name portcullis.conf | wc -l)
[ "$n" -eq 1 ] && ok "still one policy" || bad "still one policy" "$(find "$stage" -name portcullis.conf)"
finish
