#!/usr/bin/env bash
# Makes sure the database servers the tests use are up: PostgreSQL and MariaDB on 127.0.0.1.
# Starts one that is down (this needs root, as on the project's machines); never stops anything.
set -uo pipefail

up() { timeout 2 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_for() { # name port
  for _ in $(seq 1 30); do
    up "$2" && return 0
    sleep 1
  done
  echo "services: $1 did not come up on 127.0.0.1:$2" >&2
  return 1
}

if ! up 5432; then
  echo "services: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  wait_for PostgreSQL 5432 || exit 1
fi
if ! up 3306; then
  echo "services: starting MariaDB" >&2
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for MariaDB 3306 || exit 1
fi

# TestDatabases needs a MySQL user with a password (root has none here): a test-only user that may
# create and drop the per-test databases.
mariadb -uroot -h127.0.0.1 -e "
  CREATE USER IF NOT EXISTS 'vodtest'@'localhost' IDENTIFIED BY 'vodtest';
  CREATE USER IF NOT EXISTS 'vodtest'@'127.0.0.1' IDENTIFIED BY 'vodtest';
  CREATE USER IF NOT EXISTS 'vodtest'@'%' IDENTIFIED BY 'vodtest';
  GRANT ALL PRIVILEGES ON *.* TO 'vodtest'@'localhost';
  GRANT ALL PRIVILEGES ON *.* TO 'vodtest'@'127.0.0.1';
  GRANT ALL PRIVILEGES ON *.* TO 'vodtest'@'%';" ||
  { echo "services: could not create the MariaDB test user" >&2; exit 1; }
