"""Uploads in S3-compatible object storage (django-storages), against an S3-protocol server started here.

moto's standalone server speaks the S3 protocol on a port of its own; the site writes a lead image to it from
the desk and readers' pages point at the object, which the server hands back byte for byte.
"""

import json
import re
import urllib.request

import boto3
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from harness.servers import run_manage, spare_port
from stories import images, renditions
from stories.models import Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import change_url, png_upload, story_form_data

pytestmark = pytest.mark.django_db

BUCKET = "newsroom-media"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_server():
    port = spare_port(5391)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    bucket = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    bucket.create_bucket(Bucket=BUCKET)
    # As the README asks of a production bucket: anyone may read its objects, only the site may write.
    public_read = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }
    bucket.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
    yield endpoint
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    return boto3.client("s3", endpoint_url=s3_server, **CREDENTIALS)


def _keys(bucket_client) -> set[str]:
    return {item["Key"] for item in bucket_client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_an_editors_upload_lands_in_the_bucket_and_readers_load_it_from_there(
    client, editor, object_storage, django_capture_on_commit_callbacks
):
    story = StoryFactory(published=True)
    before = _keys(object_storage)
    client.force_login(editor)
    upload = png_upload("harbour.png", size=(40, 30))
    data = story_form_data(story, lead_image=upload, lead_image_alt="The harbour at dawn")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(story), data).status_code == 302
    story = Story.objects.get(pk=story.pk)
    name = story.lead_image.name
    assert name.startswith("lead-images/")
    stored = _keys(object_storage) - before
    assert name in stored
    assert (story.lead_image.width, story.lead_image.height) == (40, 30)  # read back from the bucket
    # Its renditions went to the bucket too: the whole picture and the 16:9 crop in each format.
    made = {key for key in stored if key.startswith(renditions.prefix(name) + ".")}
    assert made == set(renditions.names(name, 40, 30, images.focus_of(story)))

    client.logout()
    page = client.get(story.get_absolute_url()).content.decode()
    sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
    shown = [src for src in sources if renditions.prefix(name) in src]
    assert shown and shown[0].startswith(f"{object_storage.meta.endpoint_url}/{BUCKET}/")
    key = shown[0].removeprefix(f"{object_storage.meta.endpoint_url}/{BUCKET}/")
    assert key in made
    with urllib.request.urlopen(shown[0], timeout=10) as response:  # noqa: S310 - the local S3 server
        assert response.read() == object_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_another_app_host_reads_what_this_one_stored(object_storage, settings):
    upload = png_upload("shared.png", size=(8, 8))
    content = upload.read()
    upload.seek(0)
    name = default_storage.save("lead-images/shared.png", upload)
    assert name in _keys(object_storage)
    # A second host: its own storage object, no local file; it finds the same bytes in the bucket.
    other_host = S3Storage(**settings.STORAGES["default"]["OPTIONS"])
    with other_host.open(name) as stored:
        assert stored.read() == content


def test_the_settings_select_the_bucket_and_let_readers_fetch_images_from_it():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings\n"
        "print(settings.STORAGES['default']['BACKEND'])\n"
        "print(settings.STORAGES['default']['OPTIONS']['bucket_name'])\n"
        "print(' '.join(map(str, settings.SECURE_CSP['img-src'])))",
        env_extra={"S3_BUCKET": "paper-media", "S3_PUBLIC_URL": "https://media.example.com"},
    )
    assert result.returncode == 0, result.stderr
    backend, bucket, images = result.stdout.strip().splitlines()[-3:]
    assert (backend, bucket) == ("storages.backends.s3.S3Storage", "paper-media")
    assert "https://media.example.com" in images.split()

    default = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.STORAGES['default'])", env_extra={}
    )
    assert "FileSystemStorage" in default.stdout  # the local disk unless a bucket is named
