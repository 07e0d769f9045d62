"""A small client of the varamu research API for notebooks.

The researcher proves who they are with their ID-card style client
certificate (``varamu dev-ca`` writes ``researcher.pem`` and
``researcher.key`` for the development project ``demo-hmb``). Settings come
from the environment:

- ``VARAMU_URL``: the server, as ``varamu serve`` prints it
  (``https://127.0.0.1:8443``);
- ``VARAMU_CERTS``: the directory ``varamu dev-ca`` wrote (``ca.pem``,
  ``researcher.pem``, ``researcher.key``);
- ``VARAMU_PROJECT``: the approved project (default ``demo-hmb``).

Every answer is over the project's consented participants only, and
counts below the project's threshold come back suppressed (``None``).
"""

import os

import pandas as pd
import requests


class ResearchError(Exception):
    """The server refused or could not answer; the message is its own."""


class Client:
    def __init__(self, url=None, certs=None, project=None, who="researcher"):
        self.url = (url or os.environ["VARAMU_URL"]).rstrip("/")
        certs = certs or os.environ["VARAMU_CERTS"]
        self.project = project or os.environ.get("VARAMU_PROJECT", "demo-hmb")
        self.session = requests.Session()
        # Passed with every request: a session's verify would lose to
        # REQUESTS_CA_BUNDLE in the environment.
        self.tls = {"cert": (os.path.join(certs, who + ".pem"), os.path.join(certs, who + ".key")),
                    "verify": os.path.join(certs, "ca.pem")}

    def _post(self, path, **kw):
        r = self.session.post(f"{self.url}/research/{self.project}/{path}", timeout=300, **self.tls, **kw)
        if r.status_code != 200:
            try:
                msg = r.json().get("error", r.text)
            except ValueError:
                msg = r.text
            raise ResearchError(f"{r.status_code}: {msg}")
        return r

    def cohort(self, definition):
        """POST a cohort definition; returns the answer (dict)."""
        return self._post("cohorts", json=definition).json()

    def beacon(self, chrom, pos, ref, alt, granularity="count"):
        """Beacon v2 g_variants for one allele (pos is 1-based, as in VCF)."""
        params = {"referenceName": chrom, "start": pos - 1, "referenceBases": ref,
                  "alternateBases": alt, "requestedGranularity": granularity}
        r = self.session.get(f"{self.url}/research/{self.project}/beacon/g_variants", params=params, timeout=300, **self.tls)
        if r.status_code != 200:
            raise ResearchError(f"{r.status_code}: {r.text}")
        return r.json()


def count(c):
    """The number of a count, or None when it is suppressed."""
    return None if c.get("suppressed") else c["n"]


def one_dimension(answer):
    """A one-dimension answer as a DataFrame: group, n (None when
    suppressed), frequency of the cohort total."""
    rows = []
    for label, cells in zip(answer["rows"], answer["cells"]):
        c = cells[0]
        rows.append({"group": label, "n": count(c), "frequency": c.get("frequency")})
    return pd.DataFrame(rows, columns=["group", "n", "frequency"]).set_index("group")


def cross_tab(answer):
    """A two-dimension answer as a DataFrame of counts with margins; a
    suppressed count is shown as '–'."""
    show = lambda c: "–" if c.get("suppressed") else c["n"]
    data = [[show(c) for c in row] + [show(t)] for row, t in zip(answer["cells"], answer["row_totals"])]
    data.append([show(c) for c in answer["col_totals"]] + [show(answer["total"])])
    return pd.DataFrame(data, index=answer["rows"] + ["total"], columns=answer["cols"] + ["total"])
