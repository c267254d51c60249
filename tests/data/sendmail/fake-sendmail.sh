#!/bin/sh
# fake-sendmail.sh: a stand-in for a sendmail program, for test-sendmail.c. Each test copies it
# into its own temporary folder (so tests never share a file) and steers it with files there:
#   mode    read (the default): read the whole message, then exit
#           no-read: exit at once without reading anything
#           hang: read the message, then wait for a child that sleeps 30 s and keeps stderr
#             open; its pid goes to sleeper.pid, for the test to check that the timeout killed
#             it too (killing only this script would leave it running)
#           signal: read the message, then die of SIGTERM
#   status  the exit status (default 0)
#   stderr  copied to standard error before exiting
# Every run records its arguments as "[arg][arg]..." in mail/PID.argv and the bytes it read in
# mail/PID.in; the folder mail/ is the test's to create.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
here=$(dirname "$0")
mode=read
status=0
[ -f "$here/mode" ] && mode=$(cat "$here/mode")
[ -f "$here/status" ] && status=$(cat "$here/status")

printf '[%s]' "$@" > "$here/mail/$$.argv"
[ "$mode" = no-read ] || cat > "$here/mail/$$.in"
[ -f "$here/stderr" ] && cat "$here/stderr" >&2

case $mode in
  hang)
    sleep 30 &
    echo $! > "$here/sleeper.pid"
    wait
    ;;
  signal)
    kill -TERM $$
    ;;
esac
exit "$status"
