#!/bin/sh
# The workshop's pages run this script, change it and check it.
name="world"

if [ "$1" = "--repeat" ]; then
    # Runs until stopped (Ctrl-C), like a server or a log watcher.
    while true; do
        echo "Hello, $name! ($(date +%T))"
        sleep 1
    done
fi
echo "Hello, $name!"
