# Varnish in front of Newsroom's app hosts: readers' public pages cached and purged by surrogate key.
#
# The app marks each public page with `Surrogate-Key: story-12 section-city lists all …` (the scopes of its
# own page cache) and, after every commit that changes what readers see, sends
#   PURGE /  with  xkey-purge: <scopes>
# to each address in VARNISH_PURGE_URLS: every page carrying one of those keys is dropped at once.
# Staff (a session cookie), a reader with a message waiting, forms sent, the desk and previews pass.
#
# The backends are defined in newsroom-backends.vcl beside this file (or first on -p vcl_path), one per app
# host, as a director named `hosts`, with the `purgers` ACL of the addresses the app hosts purge from:
# see deploy/varnish/newsroom-backends.vcl.example.
vcl 4.1;

import std;
import xkey;

include "newsroom-backends.vcl";

sub vcl_recv {
    set req.backend_hint = hosts.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "An xkey-purge header is required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin/" || req.url ~ "^/preview/") {
        return (pass);
    }
    # Staff and a reader who has a message waiting (after sending an opinion) get their own page.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|__Host-sessionid|messages)=") {
        return (pass);
    }
    # No other cookie changes a public page (the app answers them all alike).
    unset req.http.Cookie;
    # A healthy site is asked again within its stale-while-revalidate; a failing one is covered for longer.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)" || !beresp.http.Cache-Control) {
        # Remember for a while not to wait for this address: ask the app each time.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Cache-Control ~ "stale-while-revalidate") {
        # Kept for stale-if-error (10 minutes) while the app fails; vcl_recv narrows it while the app is well.
        set beresp.grace = 10m;
    } else {
        # A page whose time runs out (a story that expires, one scheduled to appear) is never served late.
        set beresp.grace = 0s;
    }
    return (deliver);
}

sub vcl_backend_error {
    # An app host that died mid-request (refused, reset, timed out): a read is asked of the next host instead.
    if (bereq.retries < 2 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (obj.uncacheable) {
        set resp.http.X-Varnish-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Varnish-Cache = "hit";
    } else {
        set resp.http.X-Varnish-Cache = "miss";
    }
}
