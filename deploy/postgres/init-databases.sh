#!/bin/sh
# First start of the compose file's PostgreSQL: one role and one database per service, each with its
# own password from the environment (.env). Odoo manages its own database, so its role may create one.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v odoo_pw="$ODOO_DB_PASSWORD" -v n8n_pw="$N8N_DB_PASSWORD" -v sidecar_pw="$SIDECAR_DB_PASSWORD" <<'SQL'
CREATE ROLE odoo LOGIN CREATEDB PASSWORD :'odoo_pw';
CREATE ROLE n8n LOGIN PASSWORD :'n8n_pw';
CREATE DATABASE n8n OWNER n8n;
CREATE ROLE sidecar LOGIN PASSWORD :'sidecar_pw';
CREATE DATABASE sidecar OWNER sidecar;
SQL
