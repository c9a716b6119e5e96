#!/bin/sh
# A test directory for the LDAP sign-in tests (TOM ACC-7), used by the Rust fixtures
# (backend/tests/it/fixtures/sso.rs) and the browser tests (tests/browser/ldap.test.mjs):
# Debian's slapd (installed by deploy/dev/system.sh) with a generated slapd.conf (no
# debconf configuration), LDAPS and StartTLS on loopback with a server certificate from a
# test CA that names IP 127.0.0.1, seeded offline with the base entries and the service
# account. The last step execs slapd in the foreground, so the caller's process is slapd:
# stop it by that pid.
#
#   slapd.sh DIR LDAPS_PORT LDAP_PORT
#
# DIR (empty, the caller's) receives test-ca.pem (the CA to configure), other-ca.pem (a CA
# that issued nothing this server shows), slapd.conf and the database. The directory:
#   dc=schule,dc=example                      root cn=admin,… password admin-password
#   cn=anwesend,dc=schule,dc=example          the service account, password "service password"
#   ou=people,…  ou=groups,…                  where the tests add people and groups (ldapadd)
set -eu
d=$1
ldaps_port=$2
ldap_port=$3
base='dc=schule,dc=example'

ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -keyout "$d/$1.key" -out "$d/$1.pem" 2>/dev/null
}
ca test-ca
ca other-ca
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$d/san.ext"
openssl x509 -req -days 2 -CAcreateserial -in "$d/server.csr" -CA "$d/test-ca.pem" -CAkey "$d/test-ca.key" \
  -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null

mkdir -p "$d/db"
cat > "$d/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $d/slapd.pid
TLSCACertificateFile $d/test-ca.pem
TLSCertificateFile $d/server.pem
TLSCertificateKeyFile $d/server.key
database mdb
maxsize 10485760
suffix "$base"
rootdn "cn=admin,$base"
rootpw admin-password
directory $d/db
CONF

cat > "$d/base.ldif" <<LDIF
dn: $base
objectClass: dcObject
objectClass: organization
dc: schule
o: Schule

dn: cn=anwesend,$base
objectClass: person
objectClass: simpleSecurityObject
cn: anwesend
sn: anwesend
userPassword: service password

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups
LDIF
/usr/sbin/slapadd -f "$d/slapd.conf" -l "$d/base.ldif" 2>/dev/null

exec /usr/sbin/slapd -f "$d/slapd.conf" -h "ldaps://127.0.0.1:$ldaps_port/ ldap://127.0.0.1:$ldap_port/" -d 0
