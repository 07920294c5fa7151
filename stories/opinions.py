"""Reader opinions: what the story page's Opinions section shows, and the rules a new opinion passes.

Every opinion a reader sends is held for a moderator (`workflow.moderate`
decides its fate). Before it is stored it has to get past, in this order:

0. where it came from: a post another site's page made the browser send is
   refused (403) before the view runs, by the browser's `Sec-Fetch-Site` and
   `Origin` headers (`stories.crossorigin`, on `views.post_opinion`). The form
   carries no CSRF token: it belongs to nobody's session;
1. the story: opinions closed by an editor, or by the moderation policy N days
   after publication, are refused (403; `workflow.opinions_open`);
2. the form: name, text within the length limit, no control characters, and an
   empty honeypot field;
3. the time-to-submit token: a signed timestamp put in the form when the page is
   rendered. Sent back sooner than `OPINION_MIN_SECONDS` (no person reads and
   writes that fast) or later than `OPINION_TOKEN_MAX_AGE`, it is refused;
4. the rate limit: `OPINION_RATE_LIMIT` opinions per `OPINION_RATE_WINDOW`
   seconds, counted in Django's cache (shared by every worker) per salted hash
   of the client address and, when the client has one, per session (429);
5. duplicates: the same text from the same client on the same story is not
   stored twice; from another client it is flagged for the moderator;
6. banned words and links over the policy's limit: flagged, and either held in
   the queue or sent straight to spam, as `ModerationPolicy.banned_word_action`
   says (`workflow.receive_opinion`).

The client address is read from REMOTE_ADDR only (a proxy in front must set it,
e.g. gunicorn's `--forwarded-allow-ips`): `X-Forwarded-For` is written by the
client and would let anyone reset its own limit. Only a salted hash of the
address is stored.
"""

import functools
import logging
import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, F, FilteredRelation, Q, Subquery, Window
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.crypto import salted_hmac

from pagecache.visits import per_visit, per_visit_value

from . import workflow
from .compiled import CompiledQuery, Marker, db_datetime, db_key
from .forms import OpinionForm
from .models import BannedWord, ModerationPolicy, Opinion, OpinionStatus, Story
from .rendering import RenderedOnce

logger = logging.getLogger(__name__)

THANKS = "Thanks — your opinion will appear once a moderator approves it"
# Messages for the Opinions section carry this tag, so the page shows them next to the form
# (where the redirect lands) rather than at the top.
MESSAGE_TAG = "opinions"
PAGE_PARAMETER = "opinions_page"
# As deep as the story lists go (views.MAX_PAGE): 50,000 opinions on one story is more than any has.
MAX_PAGE = 1000
DUPLICATE_WINDOW = timedelta(days=7)

FLAG_LINKS = "links"
FLAG_BANNED_WORDS = "banned_words"
FLAG_DUPLICATE = "duplicate"
FLAG_LABELS = {FLAG_LINKS: "links", FLAG_BANNED_WORDS: "banned words", FLAG_DUPLICATE: "duplicate"}

_SIGNING_SALT = "stories.opinions.form-token"
_IP_SALT = "stories.opinions.ip"
_SESSION_SALT = "stories.opinions.session"


# --- The Opinions section of the story page ----------------------------------


@dataclass(frozen=True)
class OpinionPage:
    """Which slice of a story's approved opinions is shown (newest first)."""

    number: int
    num_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def section_context(request, story: dict, form=None, first_page: dict | None = None) -> dict:
    """Context for the Opinions section of the story page (`story`: the page's story, stories.reading).

    The first page of opinions, their total and the policy's closing delay come with the story
    (`first_page`, stories.story_page); another page costs one query, whatever the number of opinions.
    """
    per_page = settings.OPINIONS_PER_PAGE
    number = _requested_page(request)
    if number == 1 and first_page is not None:
        shown, total, close_after_days = first_page["opinions"], first_page["total"], first_page["close_after_days"]
    else:
        rows = _section_rows(story["pk"], number, per_page)
        if not rows:
            # Only a page past the end comes back empty (page 1 always has the story's row).
            number = 1
            rows = _section_rows(story["pk"], number, per_page)
        total, close_after_days = rows[0]["total"], rows[0]["close_after_days"]
        shown = [
            {
                "author_name": row["opinion_author"],
                "body": row["opinion_body"],
                "created_at": db_datetime(row["opinion_created_at"]),
            }
            for row in rows
            if row["opinion_id"] is not None
        ]
    # The policy's closing delay came with the rows: the same row ModerationPolicy.current() reads.
    is_open = workflow.opinions_accepted(
        live=story["is_live"],
        closed=story["opinions_closed"],
        published_at=story["published_at"],
        close_after_days=close_after_days,
    )
    return {
        "opinions": shown,
        "opinion_count": total,
        "opinions_page": OpinionPage(number=number, num_pages=max(1, math.ceil(total / per_page))),
        "opinions_page_parameter": PAGE_PARAMETER,
        "opinions_open": is_open,
        # The form's own errors (not a field's), for a form sent back; the fields, blank or as the reader sent them.
        "opinion_errors": form.non_field_errors() if is_open and form is not None else None,
        "opinion_fields": form_fields_html(form) if is_open else "",
        "opinion_token": per_visit(request, "opinion-token", story["pk"]) if is_open else "",
        "opinion_max_length": settings.OPINION_MAX_LENGTH,
        "opinion_message_tag": MESSAGE_TAG,
    }


# The form's fields. A blank form is the same on every story page: rendered once per process.
_FIELDS = RenderedOnce("stories/_opinion_fields.html")


def form_fields_html(form: OpinionForm | None) -> str:
    """The form's fields as the Opinions section shows them: as the reader sent them with their errors, or blank
    (`form` None: a blank form is made only the first time its fields are rendered)."""
    if form is not None and form.is_bound:
        return _FIELDS.render_now({"opinion_form": form})
    return _FIELDS.render("blank", lambda: {"opinion_form": form or OpinionForm()})


def _requested_page(request) -> int:
    """The page of opinions asked for; anything that is not one of the first MAX_PAGE pages shows the first.

    ASCII digits only, and few of them: int() would read signs, spaces, underscores and other scripts'
    digits, and an offset past the database's integers would be refused.
    """
    raw = request.GET.get(PAGE_PARAMETER) or "1"
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE)) and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    return 1


def _section_query(offset, limit, *, story_pk):
    # Anchored on the story's own row and LEFT JOINed to its approved opinions, the query
    # always returns at least one row, so the total and the policy arrive even when no
    # opinion is shown.
    close_after_days = ModerationPolicy.objects.order_by("pk").values("close_after_days")[:1]
    return (
        Story.objects.filter(pk=story_pk)
        .alias(shown=FilteredRelation("opinions", condition=Q(opinions__status=OpinionStatus.APPROVED)))
        .annotate(close_after_days=Subquery(close_after_days), total=Window(Count("shown__id")))
        .order_by(F("shown__created_at").desc(nulls_last=True), F("shown__id").desc(nulls_last=True))
        .values(
            "close_after_days",
            "total",
            opinion_id=F("shown__id"),
            opinion_author=F("shown__author_name"),
            opinion_body=F("shown__body"),
            opinion_created_at=F("shown__created_at"),
        )[offset : offset + limit]
    )


# Built once per process and page size (the ORM took four times longer to build it than the database to run it).
_section = CompiledQuery(_section_query, story_pk=Marker(-918_273_646, adapt=db_key))


def _section_rows(story_pk: int, number: int, per_page: int) -> list[dict]:
    return _section.rows(((number - 1) * per_page, per_page), story_pk=story_pk)


# --- The time-to-submit token -----------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SIGNING_SALT)


def form_token(story, issued_at: float | None = None) -> str:
    """A signed "this form was shown at <time> for <story>" for the form's hidden field.

    `issued_at` (seconds since the epoch) lets tests make a token that is older or newer.
    """
    return _token(story.pk, issued_at)


def _token(story_pk, issued_at: float | None = None) -> str:
    issued_at = time.time() if issued_at is None else issued_at
    return _signer().sign(f"{story_pk}:{issued_at:.3f}")


# Private, and with it the story page's Cache-Control stays `private, no-cache`, though the form no longer
# carries a CSRF token: a CDN or proxy would hand every reader the token of whoever it fetched the page for,
# minutes old, and a bot posting with it at once would pass the minimum-seconds check. Our own page cache
# still shares the page and fills in each reader's token; only shared caches downstream are kept out.
@per_visit_value("opinion-token", private=True)
def _visit_token(request, story_pk) -> str:
    # A page served from the cache was rendered minutes ago; its token would let a bot
    # post at once. Each reader gets a token with the time of their own visit.
    return _token_this_second(story_pk, math.ceil(time.time()))


# A token says when the form was shown, not to whom: the readers of a story in the same second share one, signed
# once (an HMAC took 8 µs of a cached story page's 190). The second is rounded up: a token never says the form was
# shown earlier than it was, so the minimum delay is never shortened (the maximum age may be a second longer).
@functools.lru_cache(maxsize=1024)
def _token_this_second(story_pk, second: int) -> str:
    return _token(story_pk, second)


def check_token(token: str, story) -> str | None:
    """Why the token is refused, in words for the reader; None when it is fine."""
    try:
        story_pk, issued_at = _signer().unsign(token or "").split(":")
        issued_at = float(issued_at)
    except (signing.BadSignature, ValueError):
        return "This form could not be checked. Please send your opinion again."
    if story_pk != str(story.pk):
        return "This form belongs to another story. Please send your opinion again."
    # A token's time is rounded up to the next second (_token_this_second): one sent back within that second is
    # none old, not a fraction of a second younger than nothing (a reader may wait up to a second longer).
    age = max(0.0, time.time() - issued_at)
    if age < settings.OPINION_MIN_SECONDS:
        return "That was faster than anyone can read and write. Please check your opinion and send it again."
    if age > settings.OPINION_TOKEN_MAX_AGE:
        return "This page was opened too long ago. Please send your opinion again."
    return None


# --- Who is sending ---------------------------------------------------------


def client_ip(request) -> str:
    """The address of the client connected to us: REMOTE_ADDR, never a header the client writes."""
    return request.META.get("REMOTE_ADDR") or ""


def ip_hash(request) -> str:
    """A salted hash of the client address: enough to count and compare, not to identify."""
    return salted_hmac(_IP_SALT, client_ip(request), secret=settings.IP_HASH_SALT, algorithm="sha256").hexdigest()


def _rate_keys(request) -> list[str]:
    keys = [f"opinions:rate:ip:{ip_hash(request)}"]
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        # Hashed: a cache dump must not hand out live session keys.
        hashed = salted_hmac(_SESSION_SALT, session.session_key, secret=settings.IP_HASH_SALT, algorithm="sha256")
        keys.append(f"opinions:rate:session:{hashed.hexdigest()}")
    return keys


def over_rate_limit(request) -> bool:
    """Count one opinion for this client; True when that is more than the limit allows.

    Fixed windows in the shared cache: the first opinion starts a window of
    `OPINION_RATE_WINDOW` seconds. When the cache is down the limit is not
    enforced (logged): every opinion still waits for a moderator, so failing
    open costs moderators time, not the site its integrity.
    """
    limit = settings.OPINION_RATE_LIMIT
    window = settings.OPINION_RATE_WINDOW
    over = False
    try:
        for key in _rate_keys(request):
            if cache.add(key, 1, timeout=window):
                count = 1
            else:
                try:
                    count = cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.add(key, 1, timeout=window)
                    count = 1
            over = over or count > limit
    except Exception:
        logger.warning("Cache unavailable: opinions are not rate-limited until it answers again")
        return False
    return over


# --- What the text contains ---------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\u202a-\u202e\u2066-\u2069\ufeff]")
_LINK = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]{1,20}://|\bwww\.|\bjavascript:)\S+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|ru|cn|xyz|top|io|co|ly|me|site|online|shop)\b",
    re.IGNORECASE,
)


def _normalise(text: str) -> str:
    # Fullwidth letters, odd case and zero-width joiners must not slip a banned word past.
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return " ".join(text.split())


def count_links(text: str) -> int:
    """Links a reader pasted: URLs with a scheme, www. addresses and bare domains."""
    return len(_LINK.findall(_normalise(text)))


def banned_words_in(text: str, words) -> list[str]:
    """The banned words (or phrases) that appear in the text as whole words, ignoring case."""
    words = [w for w in (_normalise(w).strip() for w in words) if w]
    if not words:
        return []
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")
    return sorted(set(pattern.findall(_normalise(text))))


# --- Receiving an opinion ------------------------------------------------------


class HttpResponseSeeOther(HttpResponseRedirect):
    # 303: after a POST the browser comes back with a GET, and a reload does not resend.
    status_code = 303


def receive(request, story, render_page: Callable[[OpinionForm | None, int], HttpResponse]) -> HttpResponse:
    """Check and store an opinion posted from the story page; answer the reader.

    `render_page(form, status)` renders the story page with the form (and its
    errors) when the opinion is refused; a stored opinion redirects back to the
    Opinions section with a thank-you message.
    """
    policy = ModerationPolicy.current()
    if not workflow.opinions_open(story, policy):
        return render_page(None, 403)

    form = OpinionForm(request.POST)
    form.is_valid()  # field errors first, so the token error joins them rather than hiding them
    if problem := check_token(request.POST.get("started", ""), story):
        form.add_error(None, problem)
    if not form.is_valid():
        return render_page(form, 400)

    if over_rate_limit(request):
        minutes = max(1, round(settings.OPINION_RATE_WINDOW / 60))
        form.add_error(
            None,
            f"You have sent several opinions in a short time. Please wait {minutes} minutes and send this one again.",
        )
        response = render_page(form, 429)
        response["Retry-After"] = str(settings.OPINION_RATE_WINDOW)
        return response

    sender = ip_hash(request)
    data = form.cleaned_data
    earlier = list(
        Opinion.objects.filter(
            story=story, body__iexact=data["body"], created_at__gte=timezone.now() - DUPLICATE_WINDOW
        ).values_list("ip_hash", flat=True)[:100]
    )
    if sender in earlier:
        # A double click or a resend: the first copy is already waiting for a moderator.
        messages.success(request, THANKS, extra_tags=MESSAGE_TAG)
        return HttpResponseSeeOther(story.get_absolute_url() + "#opinions")

    flags = []
    if count_links(data["body"]) + count_links(data["author_name"]) > policy.link_limit:
        flags.append(FLAG_LINKS)
    words = BannedWord.objects.values_list("word", flat=True)
    if banned_words_in(f"{data['author_name']}\n{data['body']}", words):
        flags.append(FLAG_BANNED_WORDS)
    if earlier:
        flags.append(FLAG_DUPLICATE)
    opinion = workflow.receive_opinion(
        story,
        policy=policy,
        breaks_content_rules=FLAG_LINKS in flags or FLAG_BANNED_WORDS in flags,
        author_name=data["author_name"],
        email=data["email"],
        body=data["body"],
        ip_hash=sender,
        flags=flags,
    )
    logger.info("Opinion %s received on story %s (flags: %s)", opinion.pk, story.pk, ",".join(flags) or "none")
    # The same answer for held and spammed opinions: a spammer learns nothing from it.
    messages.success(request, THANKS, extra_tags=MESSAGE_TAG)
    return HttpResponseSeeOther(story.get_absolute_url() + "#opinions")
