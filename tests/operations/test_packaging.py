"""`pip wheel .` builds the site as a package that runs away from the repository, and the commands the deploy
recipes name (deploy/Procfile, deploy/systemd/*.service) exist in it."""

import re
import shlex
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from harness.servers import PYTHON, ROOT, child_env

pytestmark = pytest.mark.slow

# What a checkout holds that is not the project's source.
LOCAL_ONLY = (".git", ".venv", "node_modules", "test-artifacts", "media", "staticfiles", "build", "*.sqlite3*")
PACKAGE_FILES = [
    "newsroom/settings.py",
    "newsroom/templates/admin/index.html",
    "newsroom/templates/jinja2/base.html",
    "newsroom/static/css/site.css",
    "newsroom/static/js/admin-workflow.js",
    "stories/migrations/0001_initial.py",
    "stories/jinja2/stories/home.html",
    "stories/templates/stories/robots.txt",
    "pagecache/__init__.py",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy: setuptools writes its build/ and egg-info folders into the tree it builds.
    source = tmp_path_factory.mktemp("source") / "newsroom"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (built,) = out.glob("newsroom-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel unpacked into a folder of its own, as `pip install` would put it in site-packages."""
    target = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def run_installed(installed: Path, tmp_path: Path, *args, **extra):
    """Run Python with the installed package (not the repository) first on the path, from an empty folder."""
    env = child_env(
        PYTHONPATH=str(installed),
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        CACHE_URL="locmemcache://packaged",
        **extra,
    )
    return subprocess.run([PYTHON, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_holds_the_site_and_nothing_of_the_repository(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in PACKAGE_FILES:
        assert name in names, name
    assert not any(name.startswith(("tests/", "bench/", "harness/", "scripts/")) for name in names)


def test_the_installed_package_serves_pages_and_collects_its_static_files(installed, tmp_path):
    assert run_installed(installed, tmp_path, "-m", "django", "migrate", "--noinput").returncode == 0
    assert run_installed(installed, tmp_path, "-m", "django", "seed_demo").returncode == 0
    collected = run_installed(installed, tmp_path, "-m", "django", "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "css" / "site.css").exists()
    assert (tmp_path / "static" / "js" / "admin-workflow.js").exists()
    code = (
        "import django, newsroom, sys; django.setup()\n"
        "from django.test import Client\n"
        "assert 'site-packages' in newsroom.__file__ or newsroom.__file__.startswith(sys.argv[1]), newsroom.__file__\n"
        "c = Client()\n"
        "for path in ('/', '/admin/login/', '/feed/', '/no-such-page/'):\n"
        "    print(path, c.get(path, secure=True).status_code)\n"
    )
    result = run_installed(installed, tmp_path, "-c", code, str(installed), ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr[-3000:]
    answers = [line for line in result.stdout.splitlines() if line.startswith("/")]
    assert answers == ["/ 200", "/admin/login/ 200", "/feed/ 200", "/no-such-page/ 404"]


def _commands() -> list[list[str]]:
    """Every command the Procfile and the systemd units run, split into words."""
    procfile = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    processes = [line.split(":", 1)[1] for line in procfile if line.strip() and not line.lstrip().startswith("#")]
    lines = [part for line in processes for part in line.split("&&")]
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        lines += re.findall(r"^Exec(?:StartPre|Start)=(.+)$", unit.read_text(), re.MULTILINE)
    return [shlex.split(line) for line in lines]


def test_every_command_of_the_deploy_recipes_exists_in_the_package(installed, tmp_path):
    commands = _commands()
    assert len(commands) >= 7
    seen = set()
    for words in commands:
        program = Path(words[0]).name
        if program == "django-admin":
            result = run_installed(installed, tmp_path, "-m", "django", "help", words[1])
            assert result.returncode == 0, (words, result.stderr[-1000:])
            seen.add(words[1])
        else:
            assert program == "gunicorn" and words[1] == "newsroom.wsgi", words
            result = run_installed(installed, tmp_path, "-c", "import newsroom.wsgi")
            assert result.returncode == 0, result.stderr[-1000:]
            seen.add("gunicorn")
    assert seen == {"migrate", "collectstatic", "db_worker", "gunicorn"}
