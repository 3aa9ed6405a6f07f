"""n8n's public API for the ops tests: the owner account and an API key made as an operator makes them
(n8n 2.41: the public API needs a key of a user; the owner is set up once per n8n, on its first start)."""
from __future__ import annotations

import uuid

import requests

OWNER = {"email": "ops@example.com", "firstName": "Ops", "lastName": "Owner", "password": "Ops-owner-pw-1234"}


class N8nApi:
    """Calls n8n's public API (`/api/v1`) with an API key of the owner."""

    def __init__(self, base_url: str, key: str):
        self.base_url, self.key = base_url.rstrip("/"), key

    def call(self, method: str, path: str, timeout: float = 120, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.base_url}/api/v1{path}", headers={"X-N8N-API-KEY": self.key},
                                timeout=timeout, **kwargs)

    def executions(self, workflow_id: str, **params) -> list[dict]:
        answer = self.call("GET", "/executions", params={"workflowId": workflow_id, "limit": 250, **params})
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]


def owner_session(base_url: str) -> requests.Session:
    """A REST session as the owner: set up on a fresh n8n, logged in when another test did it first."""
    session = requests.Session()
    session.headers["browser-id"] = str(uuid.uuid4())  # n8n ties its auth cookie to the browser id
    answer = session.post(f"{base_url}/rest/owner/setup", json=OWNER, timeout=30)
    if answer.status_code != 200:
        answer = session.post(f"{base_url}/rest/login", timeout=30,
                              json={"emailOrLdapLoginId": OWNER["email"], "password": OWNER["password"]})
    assert answer.status_code == 200, answer.text
    return session


def api_key(base_url: str, label: str, credential: dict | None = None) -> str:
    """A new API key of the owner holding every scope n8n grants the owner; with `credential` ({id, name} of an
    imported "n8n API" credential), the key is written into it too, as an operator does in the editor."""
    session = owner_session(base_url)
    scopes = session.get(f"{base_url}/rest/api-keys/scopes", timeout=30)
    assert scopes.status_code == 200, scopes.text
    created = session.post(f"{base_url}/rest/api-keys", timeout=30,
                           json={"label": label, "scopes": scopes.json()["data"], "expiresAt": None})
    assert created.status_code == 200, created.text
    key = created.json()["data"]["rawApiKey"]
    if credential:
        updated = session.patch(f"{base_url}/rest/credentials/{credential['id']}", timeout=30, json={
            "name": credential["name"], "type": "n8nApi", "data": {"apiKey": key, "baseUrl": f"{base_url}/api/v1"}})
        assert updated.status_code == 200, updated.text
    return key
