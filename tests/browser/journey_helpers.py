"""What the end-to-end journeys share: the newsroom's people, logging in, screenshots and a CSP watch."""

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, UserFactory

# Reported through a function exposed by the test, so a violation on a page the test has already left still counts.
REPORT_CSP_VIOLATIONS = """
window.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__newsroomCspViolation(
    `${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`
  );
}, true);
"""

PEOPLE = {
    "wendy": ("Wendy", "Writer", "Writers"),
    "eddie": ("Eddie", "Editor", "Editors"),
    "erin": ("Erin", "Editor", "Editors"),
    "mo": ("Mo", "Moderator", "Moderators"),
}


def staff():
    """The desk: a writer (wendy), two editors (eddie, erin) and a moderator (mo), by username."""
    return {
        username: UserFactory(username=username, first_name=first, last_name=last, role=group)
        for username, (first, last, group) in PEOPLE.items()
    }


class CspWatch:
    """Collects every Content-Security-Policy violation the browser reports, in any page of any context."""

    def __init__(self):
        self.violations = []

    def watch(self, context):
        context.expose_function("__newsroomCspViolation", lambda text: self.violations.append(text))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on(
            "console",
            lambda message: self.violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        return context


class Camera:
    """Full-page screenshots of each step, numbered in the order taken: <test>-<nn>-<step>.png."""

    def __init__(self, test_name):
        self.test_name = test_name
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step):
        self.count += 1
        path = SCREENSHOTS / f"{self.test_name}-{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def log_in(page, base_url, username):
    """Log in from the admin login page, as a person types it, and land on the desk's dashboard."""
    page.goto(base_url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/admin/")


def open_from_dashboard(page, title):
    """Open a story from the dashboard's lists by its headline."""
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page.locator(".workflow-panel")).to_be_visible()


def reload_until(page, locator, timeout=30):
    """Reload the page, as an impatient reader does, until `locator` shows up (at most `timeout` seconds)."""
    # Each reload is a new request, so nothing here relies on the browser re-rendering by itself.
    for _ in range(int(timeout * 2)):
        page.reload()
        if locator.count():
            return
        page.wait_for_timeout(500)
    expect(locator).to_be_visible()


def accessibility_violations(page, axe_source, impacts=("moderate", "serious", "critical")):
    """axe-core's findings on the page, moderate ones included unless `impacts` says otherwise, as readable lines."""
    # evaluate() runs outside the page's Content-Security-Policy, which rightly refuses injected scripts.
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def serious_accessibility_violations(page, axe_source):
    """axe-core's serious and critical findings on the page, as readable lines."""
    return accessibility_violations(page, axe_source, impacts=("serious", "critical"))
