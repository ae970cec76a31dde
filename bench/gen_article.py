#!/usr/bin/env python3
"""Writes the benchmark's article page: about 100 KB of HTML shaped like a
news or blog article from a real site (a long head with meta, Open Graph and
Twitter tags, preloads, JSON-LD and inline CSS and JS; a header with
navigation; ~100 paragraphs with links, emphasis and entities; tables, a
figure, a sidebar; a footer; and a pile of scripts at the end).

    gen_article.py OUT.html [OUT.bin] [--size BYTES]

OUT.bin, if given, gets the very same bytes (served as
application/octet-stream by nginx, so the fetchers do not parse it).
Deterministic: the same bytes on every run and machine.
"""
import random
import sys

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or "
    "his from at which but have an they you were her she there been one all "
    "we their has would when if so no more can out up into time about than "
    "other then only its over also new two after first year most some these "
    "network latency request response server client connection socket buffer "
    "concurrent parallel sequential fetch page title snippet parser library "
    "event loop thread pool memory allocation benchmark throughput median "
    "analysis report market policy government city council weather research "
    "university researchers students economy energy climate transport rail "
    "history museum archive festival season championship team coach players "
    "résumé café naïve façade Zürich São Paulo Kraków Tōkyō Ελλάδα Москва"
).split()


def sentence(rng, lo=8, hi=22):
    n = rng.randint(lo, hi)
    w = [rng.choice(WORDS) for _ in range(n)]
    w[0] = w[0].capitalize()
    s = " ".join(w)
    r = rng.random()
    if r < 0.10:
        i = rng.randint(1, n - 1)
        w[i] = '<a href="/topics/%s" class="inline-link">%s</a>' % (w[i].lower(), w[i])
        s = " ".join(w)
    elif r < 0.18:
        i = rng.randint(1, n - 1)
        w[i] = "<em>%s</em>" % w[i]
        s = " ".join(w)
    elif r < 0.24:
        s += " &amp; " + rng.choice(WORDS)
    elif r < 0.28:
        s += " &mdash; &ldquo;%s&rdquo;" % rng.choice(WORDS)
    return s + rng.choice([".", ".", ".", "?", "!"])


def css(rng):
    out = []
    sel = ["body", "header", "nav", ".site-nav a", "main", "article", ".lede",
           "h1", "h2", "h3", "p", "figure", "figcaption", "table", "th", "td",
           ".sidebar", ".related li", "footer", ".btn", ".btn-primary",
           ".cookie-banner", ".share", ".byline", ".tag", ".ad-slot"]
    props = ["margin", "padding", "color", "background", "font-size",
             "line-height", "border", "display", "max-width", "font-weight"]
    vals = ["0", "1rem", "2px solid #ddd", "#222", "#fafafa", "1.6",
            "block", "flex", "72ch", "600", "0 auto", "1.125rem"]
    for i in range(140):
        s = rng.choice(sel) + ("" if i < len(sel) else ":hover" if i % 3 else
                               " > span")
        body = ";".join("%s:%s" % (rng.choice(props), rng.choice(vals))
                        for _ in range(rng.randint(2, 6)))
        out.append("%s{%s}" % (s, body))
    out.append("@media (max-width:720px){.sidebar{display:none}"
               "article{padding:0 1rem}}")
    return "\n".join(out)


def js_blob(rng, n):
    lines = ["(function(w,d){'use strict';"]
    for i in range(n):
        lines.append(
            "var k%d=w.__cfg&&w.__cfg.k%d||'%s';function f%d(a,b){"
            "if(!a){return b||null}var r=[];for(var i=0;i<a.length;i++)"
            "{r.push(a[i]+'%s'+i)}return r.join('<'+'/x>')}" %
            (i, i, rng.choice(WORDS), i, rng.choice(WORDS)))
    lines.append("w.__ready=true})(window,document);")
    return "\n".join(lines)


def table(rng, idx):
    rows = ["<table class=\"data\" id=\"t%d\"><caption>Table %d: %s</caption>"
            "<thead><tr><th>Region</th><th>2022</th><th>2023</th>"
            "<th>Change</th></tr></thead><tbody>" % (idx, idx, sentence(rng, 3, 6))]
    for _ in range(rng.randint(8, 14)):
        a, b = rng.randint(100, 9999), rng.randint(100, 9999)
        rows.append("<tr><td>%s</td><td>%d</td><td>%d</td><td>%+.1f&nbsp;%%</td></tr>"
                    % (rng.choice(WORDS).capitalize(), a, b, (b - a) * 100.0 / a))
    rows.append("</tbody></table>")
    return "\n".join(rows)


def build(size):
    rng = random.Random(20240501)
    title = "Why concurrency beats patience: fetching a thousand pages at once"
    desc = ("A long read on event loops, connection pools and why one thread "
            "with libuv and libcurl can keep a thousand requests in flight.")
    h = ['<!DOCTYPE html>', '<html lang="en" class="no-js" data-theme="light">',
         '<head>', '<meta charset="utf-8">',
         '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         '<title>%s | The Example Chronicle</title>' % title,
         '<meta name="description" content="%s">' % desc,
         '<meta name="keywords" content="%s">' % ", ".join(WORDS[60:90]),
         '<meta name="author" content="A. N. Author">',
         '<meta name="robots" content="index, follow, max-image-preview:large">',
         '<link rel="canonical" href="https://news.example.org/2024/05/concurrency">']
    for k, v in [("og:type", "article"), ("og:title", title),
                 ("og:description", desc), ("og:site_name", "The Example Chronicle"),
                 ("og:url", "https://news.example.org/2024/05/concurrency"),
                 ("og:image", "https://cdn.example.org/img/lead-1200x630.jpg"),
                 ("og:image:width", "1200"), ("og:image:height", "630"),
                 ("article:published_time", "2024-05-01T08:00:00Z"),
                 ("article:section", "Technology")]:
        h.append('<meta property="%s" content="%s">' % (k, v))
    for k, v in [("twitter:card", "summary_large_image"), ("twitter:site", "@example"),
                 ("twitter:title", title), ("twitter:description", desc)]:
        h.append('<meta name="%s" content="%s">' % (k, v))
    for i in range(12):
        h.append('<link rel="preload" href="https://cdn.example.org/assets/chunk-%02d.%s" as="%s">'
                 % (i, "js" if i % 2 else "css", "script" if i % 2 else "style"))
    h.append('<link rel="icon" href="/favicon.ico" sizes="any">')
    h.append('<script type="application/ld+json">{"@context":"https://schema.org",'
             '"@type":"NewsArticle","headline":"%s","datePublished":"2024-05-01",'
             '"author":[{"@type":"Person","name":"A. N. Author"}]}</script>' % title)
    h.append("<style>\n%s\n</style>" % css(rng))
    h.append("<script>\n%s\n</script>" % js_blob(rng, 40))
    h.append("<noscript><style>.js-only{display:none}</style></noscript>")
    h.append("</head>")
    b = ['<body class="article-page">',
         '<div class="cookie-banner js-only">We use cookies. <button class="btn">OK</button></div>',
         '<header class="site-header"><a class="logo" href="/">The Example Chronicle</a>'
         '<nav class="site-nav"><ul>']
    for s in ["World", "Business", "Technology", "Science", "Sport", "Culture",
              "Opinion", "Travel", "Podcasts", "Newsletters"]:
        b.append('<li><a href="/%s">%s</a></li>' % (s.lower(), s))
    b.append("</ul></nav></header>")
    b.append('<main id="content"><article itemscope itemtype="https://schema.org/NewsArticle">')
    b.append("<h1 itemprop=\"headline\">%s</h1>" % title)
    b.append('<p class="byline">By <span itemprop="author">A. N. Author</span> &middot; '
             '<time datetime="2024-05-01">1 May 2024</time></p>')
    b.append('<figure><img src="https://cdn.example.org/img/lead.jpg" alt="lead" '
             'width="1200" height="630" loading="eager"><figcaption>%s</figcaption></figure>'
             % sentence(rng, 6, 10))
    b.append('<p class="lede">%s</p>' % desc)
    paras, tables = 0, 0
    body = []
    # About 100 paragraphs (with subheads and tables), then pad or trim to
    # the size asked with more paragraphs before the end.
    while paras < 100:
        if paras and paras % 12 == 0:
            body.append("<h2>%s</h2>" % sentence(rng, 3, 7).rstrip(".?!"))
        if paras and paras % 20 == 0:
            tables += 1
            body.append(table(rng, tables))
        body.append("<p>%s</p>" % " ".join(sentence(rng) for _ in range(rng.randint(5, 8))))
        paras += 1
    b.extend(body)
    end = ["</article>", '<aside class="sidebar"><h3>Related</h3><ul class="related">']
    for _ in range(10):
        end.append('<li><a href="/r/%d">%s</a></li>' % (rng.randint(1000, 9999), sentence(rng, 5, 9)))
    end.append("</ul></aside></main>")
    end.append('<footer><p>&copy; 2024 The Example Chronicle.</p><ul>')
    for s in ["About", "Contact", "Privacy", "Terms", "Advertise", "Careers"]:
        end.append('<li><a href="/%s">%s</a></li>' % (s.lower(), s))
    end.append("</ul></footer>")
    for i in range(6):
        end.append('<script src="https://cdn.example.org/assets/chunk-%02d.js" defer></script>' % i)
    end.append("<script>\n%s\n</script>" % js_blob(rng, 30))
    end.append('<script async src="https://analytics.example.org/a.js"></script>')
    end.append("</body>\n</html>\n")

    def render():
        return "\n".join(h + b + end).encode()

    html = render()
    # Padding, if the size asks for it: more paragraphs inside the article.
    while len(html) < size:
        b.append("<p>%s</p>" % " ".join(sentence(rng) for _ in range(3)))
        html = render()
    return html


def main(argv):
    size = 100 * 1024
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--size":
            size = int(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if not args:
        sys.exit(__doc__)
    data = build(size)
    for path in args:
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
