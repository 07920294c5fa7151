"""Django's PostgreSQL backend, with a health check that asks the connection's socket before asking the server.

With CONN_HEALTH_CHECKS Django checks a kept connection before the first query of each request: Django's check is
`SELECT 1`, a round trip to the server every request (0.1 ms of the site's CPU and some of the server's, about
5 % of an uncached story page's under load). A server that ends a connection (restarted, the backend terminated,
an idle-session timeout) says so on its socket: an error message, then end of file. So a kept connection at rest
(psycopg has it open and idle, outside any transaction) whose socket has nothing to read is taken as usable as it
is; any other is checked with `SELECT 1`, as Django does, and replaced when that fails. A network that drops
packets silently is seen by neither check before the request's own query: `SELECT 1` would wait as that query does.

It also keeps one psycopg `RawCursor` per connection for the queries that stories.compiled numbers itself: making
a cursor (its adapters, its time zone's loader) cost as much Python as sending the story page's query.
"""

import select

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import pq
from psycopg.pq import Format


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._raw_cursor = None

    def raw_cursor(self):
        """Django's cursor (its execute wrappers, its errors, its query log) over psycopg's `RawCursor`, which takes
        `$n` placeholders and sends the SQL as it is. The same `RawCursor` serves every query of the connection:
        close the wrapper and it is made again (`with` closes it; keep the wrapper open to reuse it)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_thread_sharing()
        kept = self._raw_cursor
        if kept is None or kept.closed or kept.connection is not self.connection:
            with self.wrap_database_errors:
                kept = psycopg.RawCursor(self.connection)
            # As Django's create_cursor(): datetimes in the connection's time zone.
            loader = self.connection.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, kept)
            self._raw_cursor = kept
        return self.make_cursor(kept)

    def close_if_health_check_failed(self):
        checking = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if checking and not self.pool and self._at_rest():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _at_rest(self) -> bool:
        """Open, idle outside a transaction, and nothing from the server since its last answer."""
        if self.connection.closed or self.connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poll = select.poll()
        poll.register(self.connection.fileno(), select.POLLIN)
        return not poll.poll(0)  # readable (a message, end of file) or hung up: let the server answer
