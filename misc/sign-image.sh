#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Keys and detached signatures for acrn-dm --verify-key (doc/verified-boot.md), with the
# openssl command-line tool only.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: misc/sign-image.sh keygen rsa|ec NAME    make NAME.key (private, mode 0600) and NAME.pem
                                                (public: what acrn-dm --verify-key takes);
                                                rsa = RSA-3072, ec = ECDSA P-256
       misc/sign-image.sh sign NAME.key FILE... write FILE.sig beside each FILE: SHA-256 of the
                                                file, RSA-PSS (MGF1 SHA-256, salt 32 bytes) for
                                                an RSA key, DER ECDSA for a P-256 key
       misc/sign-image.sh verify NAME.pem FILE...
                                                check each FILE.sig as acrn-dm will (prints
                                                "FILE: OK" or "FILE: FAILED", exit 1 on a failure)
       misc/sign-image.sh --help

Sign exactly the files acrn-dm is given: -k kernel, -r initrd, --ovmf firmware, -E ELF image.
Example:
  misc/sign-image.sh keygen ec /secure/uos
  misc/sign-image.sh sign /secure/uos.key /uos/vmlinuz /uos/initrd.img
  acrn-dm --verify-key /etc/acrn/uos.pem -k /uos/vmlinuz -r /uos/initrd.img ... vm1
EOF
}

die() { echo "sign-image: $*" >&2; exit 2; }

# key_type FILE [-pubin]: "rsa" or "ec" (P-256 only), else fails with a message.
key_type() {
  local text
  text=$(openssl pkey "${@:2}" -in "$1" -noout -text 2>/dev/null) || die "$1: not a PEM key"
  case $text in
    *"ASN1 OID: prime256v1"*) echo ec ;;
    *odulus*) echo rsa ;;
    *) die "$1: not an RSA or EC P-256 key" ;;
  esac
}

# The -sigopt options of an RSA-PSS signature acrn-dm accepts (none for ECDSA).
sig_opts() {
  [ "$1" = rsa ] && echo "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha256"
  return 0
}

cmd=${1:-}
case $cmd in
  -h|--help|help) usage; exit 0 ;;
  keygen)
    [ $# -eq 3 ] || { usage >&2; exit 2; }
    case $2 in
      rsa) opts=(-algorithm RSA -pkeyopt rsa_keygen_bits:3072) ;;
      ec) opts=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
      *) die "key type must be rsa or ec, not '$2'" ;;
    esac
    (umask 077 && openssl genpkey "${opts[@]}" -out "$3.key" 2>/dev/null) || die "cannot write $3.key"
    openssl pkey -in "$3.key" -pubout -out "$3.pem" || die "cannot write $3.pem"
    echo "sign-image: private key $3.key, public key $3.pem"
    ;;
  sign)
    [ $# -ge 3 ] || { usage >&2; exit 2; }
    key=$2; shift 2
    type=$(key_type "$key")
    for f in "$@"; do
      [ -f "$f" ] || die "$f: not a regular file"
      # shellcheck disable=SC2046  # sig_opts is a list of words
      openssl dgst -sha256 -sign "$key" $(sig_opts "$type") -out "$f.sig" "$f" ||
        die "$f: signing failed"
      echo "sign-image: $f.sig ($([ "$type" = rsa ] && echo RSA-PSS || echo ECDSA P-256), SHA-256)"
    done
    ;;
  verify)
    [ $# -ge 3 ] || { usage >&2; exit 2; }
    key=$2; shift 2
    type=$(key_type "$key" -pubin)
    rc=0
    for f in "$@"; do
      # shellcheck disable=SC2046
      if openssl dgst -sha256 -verify "$key" $(sig_opts "$type") -signature "$f.sig" "$f" >/dev/null 2>&1; then
        echo "$f: OK"
      else
        echo "$f: FAILED"; rc=1
      fi
    done
    exit $rc
    ;;
  *) usage >&2; exit 2 ;;
esac
