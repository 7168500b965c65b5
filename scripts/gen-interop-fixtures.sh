#!/usr/bin/env bash
# Writes fixtures/interop/: TEST-ONLY keys, certificates and PKCS#12 files made by
# the openssl command line tool, so the identity loader is checked against material
# it did not make itself. Every file is committed; re-run this script only to
# change the set (the output differs at every run: keys are random).
#
#   bash scripts/gen-interop-fixtures.sh            # needs openssl 3.x
#
# Layout (password "password" for every encrypted file unless the name says nopass):
#   ca/                      root (P-384) and intermediate (P-256) CAs
#   <key>/                   one folder per key: rsa-2048 rsa-4096 ec-p256 ec-p384 ec-p521
#     key-pkcs8.pem|.der     unencrypted PKCS#8
#     key-pkcs8-<v>.pem      encrypted PKCS#8 (PBES2); <v> = hmacWithSHA1..512, scrypt, aes128cbc..aes256cbc
#     key-pkcs8-encrypted.der  encrypted PKCS#8, DER (PBKDF2-SHA256, AES-256-CBC)
#     key-pkcs1.pem|.der     RSA only: PKCS#1 ("RSA PRIVATE KEY"); key-pkcs1-encrypted.pem: legacy PEM encryption
#     key-sec1.pem|.der      EC only: SEC1 ("EC PRIVATE KEY"); key-sec1-params.pem: EC PARAMETERS block first
#     cert.pem|.der          leaf issued by ca/intermediate
#     fullchain.pem          leaf, intermediate, root; fullchain-reversed.pem: root, intermediate, leaf
#     combo.pem              key then certificate in one file
#     *.p12                  rsa-2048 and ec-p256 only: legacy-3des (Go style, 3DES+SHA-1 MAC),
#                            legacy-rc2 (openssl -legacy), modern (OpenSSL 3 default: AES-256, PBKDF2, SHA-256 MAC),
#                            each with password and as *-nopass (empty password)
#   refused/                 keys the helper must refuse: rsa-1024, ed25519, secp256k1 (key + self-signed cert)
#   long-chain/              a leaf under 6 intermediates (one more than Roles Anywhere accepts)
#   manifest.json            every file with what a loader must make of it (written last)
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=fixtures/interop
PW=password
DAYS=9000 # about 25 years, so tests never see these expire

command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
case "$(openssl version)" in
  "OpenSSL 3."*) ;;
  *) echo "openssl 3.x is required (found: $(openssl version))" >&2; exit 1 ;;
esac

rm -rf "$OUT/ca" "$OUT/rsa-2048" "$OUT/rsa-4096" "$OUT/ec-p256" "$OUT/ec-p384" "$OUT/ec-p521" \
  "$OUT/refused" "$OUT/long-chain" "$OUT/manifest.json"
mkdir -p "$OUT/ca"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CONF="$TMP/openssl.cnf"
cat >"$CONF" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[v3_ica]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF

ORG="/O=rolesanywhere-signing-helper TEST ONLY"

# genkey ALGSPEC OUT: unencrypted PKCS#8 PEM
genkey() {
  case "$1" in
    rsa-*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${1#rsa-}" -out "$2" 2>/dev/null ;;
    ec-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ec-p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ec-p521) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    secp256k1) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$2" ;;
    *) echo "unknown key type $1" >&2; exit 1 ;;
  esac
}

# issue KEY SUBJECT CAKEY CACERT SERIAL EXT OUT [DIGEST]
issue() {
  openssl req -new -config "$CONF" -key "$1" -subj "$2" -out "$TMP/req.csr"
  openssl x509 -req -in "$TMP/req.csr" -CA "$4" -CAkey "$3" -set_serial "$5" -days "$DAYS" \
    -"${8:-sha256}" -extfile "$CONF" -extensions "$6" -out "$7" 2>/dev/null
}

selfsign() { # KEY SUBJECT SERIAL EXT OUT [DIGEST]
  local digest=()
  [ -n "${6:-}" ] && digest=(-"$6")
  openssl req -x509 -new -config "$CONF" -key "$1" -subj "$2" -set_serial "$3" -days "$DAYS" \
    "${digest[@]}" -extensions "$4" -out "$5"
}

echo "CAs" >&2
genkey ec-p384 "$OUT/ca/root-key.pem"
selfsign "$OUT/ca/root-key.pem" "/CN=Interop Test Root CA$ORG" 0x01 v3_root "$OUT/ca/root-cert.pem" sha384
genkey ec-p256 "$OUT/ca/intermediate-key.pem"
issue "$OUT/ca/intermediate-key.pem" "/CN=Interop Test Intermediate CA$ORG" \
  "$OUT/ca/root-key.pem" "$OUT/ca/root-cert.pem" 0x02 v3_ica "$OUT/ca/intermediate-cert.pem" sha384

# Fixed leaf serials; rsa-2048's has its top bit set (DER adds a 00 byte), ec-p256's starts with a zero nibble.
declare -A SERIAL=(
  [rsa-2048]=0x8F1E2D3C4B5A69788796A5B4C3D2E1F0
  [rsa-4096]=0x4096
  [ec-p256]=0x0123456789ABCDEF0123456789ABCDEF01234567
  [ec-p384]=0x384384384
  [ec-p521]=0x521
)

declare -A CURVE=([ec-p256]=prime256v1 [ec-p384]=secp384r1 [ec-p521]=secp521r1)

for name in rsa-2048 rsa-4096 ec-p256 ec-p384 ec-p521; do
  echo "$name" >&2
  d="$OUT/$name"
  mkdir -p "$d"
  k="$d/key-pkcs8.pem"
  genkey "$name" "$k"
  openssl pkcs8 -topk8 -nocrypt -in "$k" -outform DER -out "$d/key-pkcs8.der"
  for prf in hmacWithSHA1 hmacWithSHA224 hmacWithSHA256 hmacWithSHA384 hmacWithSHA512; do
    openssl pkcs8 -topk8 -in "$k" -v2 aes-256-cbc -v2prf "$prf" -passout "pass:$PW" -out "$d/key-pkcs8-$prf.pem"
  done
  openssl pkcs8 -topk8 -in "$k" -scrypt -passout "pass:$PW" -out "$d/key-pkcs8-scrypt.pem"
  for bits in 128 192 256; do
    openssl pkcs8 -topk8 -in "$k" -v2 "aes-$bits-cbc" -passout "pass:$PW" -out "$d/key-pkcs8-aes${bits}cbc.pem"
  done
  openssl pkcs8 -topk8 -in "$k" -v2 aes-256-cbc -passout "pass:$PW" -outform DER -out "$d/key-pkcs8-encrypted.der"
  case "$name" in
    rsa-*)
      openssl rsa -in "$k" -traditional -out "$d/key-pkcs1.pem" 2>/dev/null
      openssl rsa -in "$k" -traditional -outform DER -out "$d/key-pkcs1.der" 2>/dev/null
      openssl rsa -in "$k" -traditional -aes256 -passout "pass:$PW" -out "$d/key-pkcs1-encrypted.pem" 2>/dev/null
      ;;
    ec-*)
      openssl ec -in "$k" -out "$d/key-sec1.pem" 2>/dev/null
      # what 'openssl ecparam -genkey' writes: an EC PARAMETERS block, then the SEC1 key
      { openssl ecparam -name "${CURVE[$name]}"; cat "$d/key-sec1.pem"; } >"$d/key-sec1-params.pem"
      openssl ec -in "$k" -outform DER -out "$d/key-sec1.der" 2>/dev/null
      openssl ec -in "$k" -aes256 -passout "pass:$PW" -out "$d/key-sec1-encrypted.pem" 2>/dev/null
      ;;
  esac
  issue "$k" "/CN=interop $name leaf$ORG" "$OUT/ca/intermediate-key.pem" "$OUT/ca/intermediate-cert.pem" \
    "${SERIAL[$name]}" v3_leaf "$d/cert.pem"
  openssl x509 -in "$d/cert.pem" -outform DER -out "$d/cert.der"
  cat "$d/cert.pem" "$OUT/ca/intermediate-cert.pem" "$OUT/ca/root-cert.pem" >"$d/fullchain.pem"
  cat "$OUT/ca/root-cert.pem" "$OUT/ca/intermediate-cert.pem" "$d/cert.pem" >"$d/fullchain-reversed.pem"
  cat "$k" "$d/cert.pem" >"$d/combo.pem"
done

echo "PKCS#12" >&2
for name in rsa-2048 ec-p256; do
  d="$OUT/$name"
  common=(-export -inkey "$d/key-pkcs8.pem" -in "$d/cert.pem" -certfile "$OUT/ca/intermediate-cert.pem" -name "$name")
  for pass in "$PW" ""; do
    suffix=""
    [ -z "$pass" ] && suffix="-nopass"
    openssl pkcs12 "${common[@]}" -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
      -passout "pass:$pass" -out "$d/legacy-3des$suffix.p12"
    openssl pkcs12 "${common[@]}" -legacy -passout "pass:$pass" -out "$d/legacy-rc2$suffix.p12"
    openssl pkcs12 "${common[@]}" -passout "pass:$pass" -out "$d/modern$suffix.p12"
  done
done
# A PKCS#12 file with certificates only (no key): must be refused with a clear message.
openssl pkcs12 -export -nokeys -in "$OUT/rsa-2048/cert.pem" -passout "pass:$PW" -out "$OUT/rsa-2048/certs-only.p12"

echo "refused key types" >&2
mkdir -p "$OUT/refused"
for name in rsa-1024 ed25519 secp256k1; do
  genkey "$name" "$OUT/refused/$name-key.pem"
  selfsign "$OUT/refused/$name-key.pem" "/CN=refused $name$ORG" 0x0A v3_leaf "$OUT/refused/$name-cert.pem"
done

echo "long chain" >&2
d="$OUT/long-chain"
mkdir -p "$d"
genkey ec-p256 "$d/ica0-key.pem"
issue "$d/ica0-key.pem" "/CN=long chain CA 1$ORG" "$OUT/ca/root-key.pem" "$OUT/ca/root-cert.pem" 0x11 v3_ica "$d/ica0-cert.pem"
chain=("$d/ica0-cert.pem")
for i in 1 2 3 4 5; do
  genkey ec-p256 "$d/ica$i-key.pem"
  issue "$d/ica$i-key.pem" "/CN=long chain CA $((i + 1))$ORG" "$d/ica$((i - 1))-key.pem" "$d/ica$((i - 1))-cert.pem" \
    "0x1$((i + 1))" v3_ica "$d/ica$i-cert.pem"
  chain=("$d/ica$i-cert.pem" "${chain[@]}")
done
genkey ec-p256 "$d/key.pem"
issue "$d/key.pem" "/CN=long chain leaf$ORG" "$d/ica5-key.pem" "$d/ica5-cert.pem" 0x20 v3_leaf "$d/cert.pem"
cat "$d/cert.pem" "${chain[@]}" >"$d/fullchain.pem"
cat "${chain[@]:1}" >"$d/five-intermediates.pem"
cat "${chain[@]}" >"$d/six-intermediates.pem"
rm -f "$d"/ica*-key.pem "$d"/ica*-cert.pem

echo "manifest" >&2
# Derived values the tests compare against, taken from openssl, not from our code.
{
  echo "{"
  echo '  "generatedBy": "scripts/gen-interop-fixtures.sh",'
  echo "  \"openssl\": \"$(openssl version)\","
  echo '  "password": "password",'
  echo '  "leaves": {'
  first=1
  for name in rsa-2048 rsa-4096 ec-p256 ec-p384 ec-p521; do
    hex=$(openssl x509 -in "$OUT/$name/cert.pem" -noout -serial | cut -d= -f2)
    dec=$(echo "ibase=16; $hex" | BC_LINE_LENGTH=0 bc)
    fp=$(openssl x509 -in "$OUT/$name/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f')
    spki=$(openssl x509 -in "$OUT/$name/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
    case "$name" in rsa-*) kt=RSA ;; *) kt=EC ;; esac
    [ $first -eq 1 ] || echo ","
    first=0
    printf '    "%s": { "keyType": "%s", "serialHex": "%s", "serialDecimal": "%s", "sha256": "%s", "spkiSha256": "%s" }' \
      "$name" "$kt" "$hex" "$dec" "$fp" "$spki"
  done
  echo
  echo "  }"
  echo "}"
} >"$OUT/manifest.json"

echo "wrote $(find "$OUT" -type f | wc -l) files under $OUT" >&2
