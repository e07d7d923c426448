# What the end-to-end scripts of obt + ocf-device share: sourced after netns.sh and
# netns_setup, inside the test's namespaces. Hosts are the scripts' own (usually "dev" at
# fd00::1 and "obt" at fd00::2).
#
#   pass MSG / fail MSG       one check's outcome (fail counts)
#   e2e_finish                prints the count of failed checks; exit status 0 only when none
#   e2e_start_device NAME HOST ARGS...
#                             spawns ocf-device ($device) on HOST with --name NAME, --interface eth0,
#                             a port file and its log at $NETNS_TMP/NAME.log (plus ARGS), waits for
#                             its ports: sets E2E_PID[NAME], E2E_COAP6/COAP4/COAPS6/COAPS4[NAME]
#   e2e_stop_device NAME      SIGTERM and the device's real exit status (netns_stop always
#                             returns 0): fails the check when it did not exit 0
#   e2e_doxm_field NAME FIELD one property of NAME's /oic/sec/doxm read in the clear from host
#                             "obt" (coap-client-notls, CBOR decoded by cbor_field.py), or
#                             "no-answer"
# shellcheck shell=bash

e2e_failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  e2e_failures=$((e2e_failures + 1))
}
e2e_finish() {
  echo "$e2e_failures failure(s)"
  [[ $e2e_failures == 0 ]]
}

declare -A E2E_PID E2E_COAP6 E2E_COAP4 E2E_COAPS6 E2E_COAPS4
e2e_start_device() { # NAME HOST ARGS...
  local name=$1 host=$2
  shift 2
  local ports_file=$NETNS_TMP/$name.ports
  rm -f "$ports_file"
  netns_spawn "$host" "${device:?e2e_start_device: \$device unset}" --name "$name" --interface eth0 \
    --port-file "$ports_file" --log-level warn "$@" 2>>"$NETNS_TMP/$name.log"
  E2E_PID[$name]=$NETNS_LAST_PID
  netns_wait_for_file "$ports_file"
  local ports
  ports=$(cat "$ports_file")
  [[ $ports =~ ^coap6=([0-9]+)\ coap4=([0-9]+)\ coaps6=([0-9]+)\ coaps4=([0-9]+)$ ]] ||
    netns_die "$name: bad port file: $ports"
  E2E_COAP6[$name]=${BASH_REMATCH[1]}
  E2E_COAP4[$name]=${BASH_REMATCH[2]}
  E2E_COAPS6[$name]=${BASH_REMATCH[3]}
  E2E_COAPS4[$name]=${BASH_REMATCH[4]}
}

e2e_stop_device() { # NAME
  local name=$1 pid=${E2E_PID[$1]} rc=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] && pass "$name: exits 0 on SIGTERM" || fail "$name: exit status $rc on SIGTERM"
}

e2e_doxm_field() { # NAME FIELD
  local name=$1 field=$2 out=$NETNS_TMP/$1-doxm.cbor
  rm -f "$out"
  netns_exec obt coap-client-notls -B 5 -A 10000 -o "$out" "coap://[fd00::1]:${E2E_COAP6[$name]}/oic/sec/doxm" \
    >/dev/null 2>&1 || true
  [[ -s $out ]] || {
    echo "no-answer"
    return 0
  }
  python3 "${here:?}/cbor_field.py" "$out" "$field"
}
