#include "extract.h"

#include <gumbo.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "charset.h"
#include "text.h"

/* ---- Content type and sniffing ---------------------------------------- */

static int is_ws(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int essence_is(const char *s, size_t n, const char *w)
{
  return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

int af_is_html(const char *content_type, const char *body, size_t len)
{
  if (content_type) {
    const char *s = content_type;
    while (is_ws((unsigned char)*s))
      s++;
    size_t n = strcspn(s, ";");
    while (n > 0 && is_ws((unsigned char)s[n - 1]))
      n--;
    /* Types that say "I don't know" get sniffed, like a missing one. */
    if (n > 0 && !essence_is(s, n, "unknown/unknown") &&
        !essence_is(s, n, "application/unknown") && !essence_is(s, n, "*/*"))
      return essence_is(s, n, "text/html") ||
             essence_is(s, n, "application/xhtml+xml");
  }
  if (!body)
    return 0;
  /* WHATWG MIME sniffing, "identifying an unknown MIME type": the HTML
   * patterns, after an optional BOM and white space. */
  static const char *const tags[] = {
      "!doctype html",
      "html",
      "head",
      "script",
      "iframe",
      "h1",
      "div",
      "font",
      "table",
      "a",
      "style",
      "title",
      "b",
      "body",
      "br",
      "p",
      "meta",
  };
  const unsigned char *p = (const unsigned char *)body;
  size_t i = 0;
  if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    i = 3;
  while (i < len && is_ws(p[i]))
    i++;
  if (i >= len || p[i] != '<')
    return 0;
  i++;
  if (len - i >= 3 && memcmp(p + i, "!--", 3) == 0)
    return 1;
  for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
    size_t n = strlen(tags[t]);
    if (len - i <= n || strncasecmp((const char *)p + i, tags[t], n) != 0)
      continue;
    unsigned char c = p[i + n];
    if (is_ws(c) || c == '>' || c == '/')
      return 1;
  }
  return 0;
}

/* ---- The bounded prefix ----------------------------------------------- */

/* How much of s (valid UTF-8) gumbo gets: at most max_bytes and at most
 * max_tags start tags ('<' then an ASCII letter, counted by a plain byte
 * scan, so tags inside scripts and comments count too: cheap and never an
 * under-count). The cut is just before a '<', so no tag or character is
 * cut in half; truncated: s itself was already cut from a longer body. */
static size_t cut_prefix(const char *s, size_t n, int truncated,
                         size_t max_bytes, size_t max_tags)
{
  size_t lim = n < max_bytes ? n : max_bytes;
  size_t tags = 0;
  const char *p = s;
  const char *end = s + lim;
  while (p < end) {
    const char *lt = memchr(p, '<', (size_t)(end - p));
    if (!lt)
      break;
    unsigned char c = lt + 1 < s + n ? (unsigned char)lt[1] : 0;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z' && ++tags > max_tags)
      return (size_t)(lt - s);
    p = lt + 1;
  }
  if (lim == n && !truncated)
    return n;
  const char *lt = memrchr(s, '<', lim < n ? lim + 1 : lim);
  if (lt && lt > s)
    return (size_t)(lt - s);
  if (lim == n)
    return n; /* no '<' to cut at; the conversion ends on a character */
  while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
    lim--;
  return lim;
}

/* ---- A guarded allocator for gumbo -------------------------------------
 *
 * The prefix budgets bound the input, but not what gumbo makes of it.
 * Measured on 0.10.1 with max_errors = 0: 34 KB of "<b x=N><p>y" (the
 * active formatting elements are cloned again for every paragraph) takes
 * 4 s and 1.2 GB; one tag with 40,000 distinct attributes 3.3 s (each new
 * attribute is compared with all earlier ones); 40,000 attributes spread
 * over repeated <body> tags 4.3 s (they are merged into the one body).
 * Rather than chase each shape, every gumbo allocation goes through this
 * allocator, which caps the bytes held and the thread's CPU time, and on
 * either limit longjmp()s out of the parse. That is safe here: gumbo keeps
 * no global state and takes no locks, and every byte it holds is on our
 * list, so abandoning the parse is one walk over the list. The same walk
 * frees a finished tree without gumbo's recursive destroy_node(), so tree
 * depth no longer matters for the stack either. */

typedef struct blk {
  struct blk *prev;
  struct blk *next;
  size_t size;
} blk_t;

/* Keeps what follows the header aligned for any type. */
typedef union {
  blk_t b;
  max_align_t align;
} hdr_t;

typedef struct {
  blk_t list; /* sentinel of a circular list of live blocks */
  size_t live;
  size_t mem_max;
  unsigned long calls;
  struct timespec deadline;
  jmp_buf jb;
} guard_t;

static int cpu_now(struct timespec *t)
{
  return clock_gettime(CLOCK_THREAD_CPUTIME_ID, t);
}

static void guard_init(guard_t *g, size_t mem_max, unsigned cpu_ms)
{
  g->list.prev = &g->list;
  g->list.next = &g->list;
  g->live = 0;
  g->mem_max = mem_max;
  g->calls = 0;
  if (cpu_now(&g->deadline) != 0) {
    g->deadline.tv_sec = 0;
    g->deadline.tv_nsec = 0;
  }
  g->deadline.tv_sec += cpu_ms / 1000;
  g->deadline.tv_nsec += (long)(cpu_ms % 1000) * 1000000L;
  if (g->deadline.tv_nsec >= 1000000000L) {
    g->deadline.tv_sec++;
    g->deadline.tv_nsec -= 1000000000L;
  }
}

static int past_deadline(const guard_t *g)
{
  struct timespec t;
  if (cpu_now(&t) != 0)
    return 0;
  return t.tv_sec > g->deadline.tv_sec ||
         (t.tv_sec == g->deadline.tv_sec && t.tv_nsec > g->deadline.tv_nsec);
}

static void *on_alloc(void *ud, size_t size)
{
  guard_t *g = ud;
  /* Counted with our header and malloc's own, so the cap is close to the
   * memory really used (gumbo makes many small blocks). */
  size_t cost = size + sizeof(hdr_t) + 2 * sizeof(size_t);
  if (size > g->mem_max || cost > g->mem_max - g->live)
    longjmp(g->jb, 1);
  /* A clock read costs about as much as a small malloc: look every 256
   * calls. Even the quadratic loops allocate once per outer step. */
  if ((++g->calls & 255) == 0 && past_deadline(g))
    longjmp(g->jb, 1);
  hdr_t *h = malloc(sizeof(hdr_t) + size);
  if (!h)
    longjmp(g->jb, 1);
  h->b.size = cost;
  h->b.prev = &g->list;
  h->b.next = g->list.next;
  g->list.next->prev = &h->b;
  g->list.next = &h->b;
  g->live += cost;
  return h + 1;
}

static void on_free(void *ud, void *p)
{
  guard_t *g = ud;
  if (!p)
    return;
  hdr_t *h = (hdr_t *)p - 1;
  h->b.prev->next = h->b.next;
  h->b.next->prev = h->b.prev;
  g->live -= h->b.size;
  free(h);
}

static void guard_free_all(guard_t *g)
{
  blk_t *b = g->list.next;
  while (b != &g->list) {
    blk_t *next = b->next;
    free(b); /* b is the first member of the hdr_t that was malloc'd */
    b = next;
  }
  g->list.prev = &g->list;
  g->list.next = &g->list;
  g->live = 0;
}

/* Returns the tree, or NULL when the parse hit a limit; either way the
 * caller ends with guard_free_all(). */
static GumboOutput *parse(guard_t *g, const char *s, size_t n)
{
  GumboOptions o = kGumboDefaultOptions;
  /* Each error record copies the stack of open elements: quadratic memory
   * on a page of unclosed tags (docs/DESIGN.md R10). */
  o.max_errors = 0;
  o.allocator = on_alloc;
  o.deallocator = on_free;
  o.userdata = g;
  if (setjmp(g->jb) != 0)
    return NULL;
  return gumbo_parse_with_options(&o, s, n);
}

/* ---- The tree walk ---------------------------------------------------- */

/* Elements whose content is never shown as text. */
static int skipped(const GumboNode *n)
{
  if (n->type == GUMBO_NODE_TEMPLATE)
    return 1;
  switch (n->v.element.tag) {
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_STYLE:
  case GUMBO_TAG_NOSCRIPT:
  case GUMBO_TAG_TEMPLATE:
  case GUMBO_TAG_IFRAME:
  case GUMBO_TAG_NOEMBED:
  case GUMBO_TAG_NOFRAMES:
  case GUMBO_TAG_SVG: /* icon titles and labels, not page text */
    return 1;
  default:
    return 0;
  }
}

/* Inline elements join their text to the neighbours' ("Hel<b>lo</b>");
 * every other element is a word boundary. */
static int is_inline(GumboTag t)
{
  switch (t) {
  case GUMBO_TAG_A:
  case GUMBO_TAG_ABBR:
  case GUMBO_TAG_B:
  case GUMBO_TAG_BDI:
  case GUMBO_TAG_BDO:
  case GUMBO_TAG_BIG:
  case GUMBO_TAG_CITE:
  case GUMBO_TAG_CODE:
  case GUMBO_TAG_DATA:
  case GUMBO_TAG_DEL:
  case GUMBO_TAG_DFN:
  case GUMBO_TAG_EM:
  case GUMBO_TAG_FONT:
  case GUMBO_TAG_I:
  case GUMBO_TAG_IMG:
  case GUMBO_TAG_INS:
  case GUMBO_TAG_KBD:
  case GUMBO_TAG_LABEL:
  case GUMBO_TAG_MARK:
  case GUMBO_TAG_NOBR:
  case GUMBO_TAG_Q:
  case GUMBO_TAG_RB:
  case GUMBO_TAG_RP:
  case GUMBO_TAG_RT:
  case GUMBO_TAG_RTC:
  case GUMBO_TAG_RUBY:
  case GUMBO_TAG_S:
  case GUMBO_TAG_SAMP:
  case GUMBO_TAG_SMALL:
  case GUMBO_TAG_SPAN:
  case GUMBO_TAG_STRIKE:
  case GUMBO_TAG_STRONG:
  case GUMBO_TAG_SUB:
  case GUMBO_TAG_SUP:
  case GUMBO_TAG_TIME:
  case GUMBO_TAG_TT:
  case GUMBO_TAG_U:
  case GUMBO_TAG_VAR:
  case GUMBO_TAG_WBR:
  case GUMBO_TAG_UNKNOWN: /* custom elements are inline by default */
    return 1;
  default:
    return 0;
  }
}

typedef struct {
  const GumboNode *node;
  unsigned next; /* index of the next child to visit */
} frame_t;

typedef struct {
  frame_t *stack;
  size_t depth;
  size_t cap;
  af_clean_t title;
  af_clean_t h1;
  af_clean_t body;
  char *og_title;    /* cleaned, or NULL */
  char *description; /* cleaned, or NULL */
  size_t snippet_len;
  size_t title_at; /* depth + 1 of the <title> being read, 0 if none */
  size_t h1_at;    /* same for the <h1> */
  int title_done;
  int h1_done;
  unsigned in_body; /* <body> elements open */
  unsigned hidden;  /* open elements whose text is not page text */
} walk_t;

static int is_html(const GumboNode *n, GumboTag tag)
{
  return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == tag &&
         n->v.element.tag_namespace == GUMBO_NAMESPACE_HTML;
}

static int attr_is(const GumboElement *e, const char *name, const char *value)
{
  const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
  if (!a)
    return 0;
  const char *v = a->value;
  while (is_ws((unsigned char)*v))
    v++;
  size_t n = strlen(v);
  while (n > 0 && is_ws((unsigned char)v[n - 1]))
    n--;
  return n == strlen(value) && strncasecmp(v, value, n) == 0;
}

/* Stores s in *dst unless it is empty (then frees it). Returns -1 when s
 * is NULL (allocation failure). */
static int keep_nonempty(char *s, char **dst)
{
  if (!s)
    return -1;
  if (*s)
    *dst = s;
  else
    free(s);
  return 0;
}

/* Sets *dst to the cleaned content attribute, if *dst is still unset and
 * the result is not empty. */
static int take_content(const GumboElement *e, size_t max_chars, char **dst)
{
  if (*dst)
    return 0;
  const GumboAttribute *a = gumbo_get_attribute(&e->attributes, "content");
  if (!a)
    return 0;
  return keep_nonempty(af_text_clean(a->value, strlen(a->value), max_chars),
                       dst);
}

static int on_meta(walk_t *w, const GumboElement *e)
{
  if (attr_is(e, "property", "og:title") || attr_is(e, "name", "og:title"))
    return take_content(e, AF_EXTRACT_TITLE_MAX, &w->og_title);
  if (attr_is(e, "name", "description") && w->snippet_len > 0)
    return take_content(e, w->snippet_len, &w->description);
  return 0;
}

static int on_text(walk_t *w, const GumboNode *n)
{
  const char *t = n->v.text.text;
  size_t len = strlen(t);
  if (w->title_at && af_clean_feed(&w->title, t, len) != 0)
    return -1;
  if (w->h1_at && af_clean_feed(&w->h1, t, len) != 0)
    return -1;
  if (w->in_body && !w->hidden && !w->body.full &&
      af_clean_feed(&w->body, t, len) != 0)
    return -1;
  return 0;
}

static int push(walk_t *w, const GumboNode *n)
{
  if (w->depth == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof(frame_t))
      return -1;
    frame_t *s = realloc(w->stack, cap * sizeof(frame_t));
    if (!s)
      return -1;
    w->stack = s;
    w->cap = cap;
  }
  w->stack[w->depth].node = n;
  w->stack[w->depth].next = 0;
  w->depth++;
  return 0;
}

static int hides_text(const GumboNode *n)
{
  return is_html(n, GUMBO_TAG_TITLE) || is_html(n, GUMBO_TAG_HEAD) ||
         gumbo_get_attribute(&n->v.element.attributes, "hidden") != NULL;
}

static int enter(walk_t *w, const GumboNode *n)
{
  const GumboElement *e = &n->v.element;
  if (push(w, n) != 0)
    return -1;
  if (is_html(n, GUMBO_TAG_TITLE) && !w->title_done && !w->title_at)
    w->title_at = w->depth;
  else if (is_html(n, GUMBO_TAG_H1) && !w->h1_done && !w->h1_at)
    w->h1_at = w->depth;
  else if (is_html(n, GUMBO_TAG_BODY))
    w->in_body++;
  else if (is_html(n, GUMBO_TAG_META) && on_meta(w, e) != 0)
    return -1;
  if (hides_text(n))
    w->hidden++;
  if (!is_inline(e->tag)) {
    af_clean_space(&w->body);
    af_clean_space(&w->h1);
  }
  return 0;
}

static void leave(walk_t *w)
{
  const GumboNode *n = w->stack[w->depth - 1].node;
  if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
    if (w->title_at == w->depth) {
      w->title_at = 0;
      w->title_done = 1; /* only the first <title> counts, as in browsers */
    }
    if (w->h1_at == w->depth) {
      w->h1_at = 0;
      /* An empty <h1> (a logo image) does not count: try the next one. */
      w->h1_done = w->h1.chars > 0;
    }
    if (is_html(n, GUMBO_TAG_BODY))
      w->in_body--;
    if (hides_text(n))
      w->hidden--;
    if (!is_inline(n->v.element.tag)) {
      af_clean_space(&w->body);
      af_clean_space(&w->h1);
    }
  }
  w->depth--;
}

static const GumboVector *children(const GumboNode *n)
{
  if (n->type == GUMBO_NODE_DOCUMENT)
    return &n->v.document.children;
  return &n->v.element.children;
}

/* Depth-first, in document order, with an explicit stack: a hostile page
 * can nest far deeper than a thread's stack would allow recursion. */
static int walk(walk_t *w, const GumboNode *root)
{
  if (push(w, root) != 0)
    return -1;
  while (w->depth > 0) {
    frame_t *f = &w->stack[w->depth - 1];
    const GumboVector *kids = children(f->node);
    if (f->next >= kids->length) {
      leave(w);
      continue;
    }
    const GumboNode *c = kids->data[f->next++];
    switch (c->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE:
      if (on_text(w, c) != 0)
        return -1;
      break;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      if (!skipped(c) && enter(w, c) != 0)
        return -1;
      break;
    default: /* comments */
      break;
    }
  }
  return 0;
}

/* Hands over the cleaned text, NULL if it is empty. Returns -1 on
 * allocation failure. */
static int take(af_clean_t *c, char **dst)
{
  return keep_nonempty(af_clean_finish(c, NULL), dst);
}

/* *sure: the results cannot change with more of the page: the title came
 * from a <title> and the snippet (if wanted) from the meta description,
 * both of which outrank anything later in the document. */
static int extract_tree(const GumboNode *doc, size_t snippet_len,
                        af_extract_t *out, int *sure)
{
  walk_t w;
  memset(&w, 0, sizeof w);
  w.snippet_len = snippet_len;
  af_clean_init(&w.title, AF_EXTRACT_TITLE_MAX, SIZE_MAX - 1);
  af_clean_init(&w.h1, AF_EXTRACT_TITLE_MAX, SIZE_MAX - 1);
  /* snippet_len 0: no snippet, so the body cleaner is full at once. */
  af_clean_init(&w.body, snippet_len, snippet_len ? SIZE_MAX - 1 : 0);
  int rc = walk(&w, doc);
  if (rc == 0) {
    char *title = NULL;
    char *h1 = NULL;
    char *body = NULL;
    if (take(&w.title, &title) != 0 || take(&w.h1, &h1) != 0 ||
        take(&w.body, &body) != 0) {
      rc = -1;
    }
    else {
      out->title = title ? title : w.og_title ? w.og_title : h1;
      out->snippet = w.description ? w.description : body;
      *sure = title && (snippet_len == 0 || w.description);
      if (out->title == w.og_title)
        w.og_title = NULL;
      if (out->title == h1)
        h1 = NULL;
      if (out->title == title)
        title = NULL;
      if (out->snippet == w.description)
        w.description = NULL;
      if (out->snippet == body)
        body = NULL;
    }
    free(title);
    free(h1);
    free(body);
  }
  af_clean_free(&w.title);
  af_clean_free(&w.h1);
  af_clean_free(&w.body);
  free(w.og_title);
  free(w.description);
  free(w.stack);
  return rc;
}

/* ---- Putting it together ---------------------------------------------- */

void af_extract_limits_init(af_extract_limits_t *l)
{
  l->prefix_max = AF_EXTRACT_PREFIX_MAX;
  l->tag_budget = AF_EXTRACT_TAG_BUDGET;
  l->mem_max = AF_EXTRACT_MEM_MAX;
  l->cpu_ms = AF_EXTRACT_CPU_MS;
}

/* Where the head ends: the first "</head" (any case) in s[0..n), or 0.
 * Found by a byte scan, so one inside a script or comment counts too:
 * harmless, the head-only parse is then simply not sure and the page is
 * parsed whole. */
static size_t head_end(const char *s, size_t n)
{
  const char *p = s;
  const char *end = s + n;
  while (end - p >= 6) {
    const char *lt = memchr(p, '<', (size_t)(end - p - 5));
    if (!lt)
      break;
    if (lt[1] == '/' && strncasecmp(lt + 2, "head", 4) == 0)
      return (size_t)(lt - s);
    p = lt + 1;
  }
  return 0;
}

/* Parses s[0..n) under the guard and extracts into out. Returns -1 when
 * out of memory, 1 when the parse hit a limit, 0 otherwise. */
static int parse_extract(const char *s, size_t n, size_t mem_max,
                         unsigned cpu_ms, size_t snippet_len, af_extract_t *out,
                         int *sure)
{
  guard_t g;
  guard_init(&g, mem_max, cpu_ms);
  out->parsed += n;
  GumboOutput *doc = parse(&g, s, n);
  int rc = doc ? extract_tree(doc->document, snippet_len, out, sure) : 1;
  guard_free_all(&g);
  return rc;
}

int af_extract_ex(const char *body, size_t len, const char *content_type,
                  size_t snippet_len, const af_extract_limits_t *lim,
                  af_extract_t *out)
{
  out->title = NULL;
  out->snippet = NULL;
  out->parsed = 0;
  if (!body)
    len = 0;
  /* Only a prefix is parsed, so only a prefix is converted: the raw
   * prefix is cut at the byte cap too (a character cut in half at its end
   * is dropped by the conversion). */
  size_t raw = len < lim->prefix_max ? len : lim->prefix_max;
  char *u;
  size_t ulen;
  if (af_charset_to_utf8(body ? body : "", raw, content_type, &u, &ulen) != 0)
    return -1;
  /* A page that hits a limit is parsed again with smaller prefixes (the
   * title sits near the top), so it still gets a title if it can. The
   * retries get a quarter of the CPU time each: worst case 1.5 times
   * cpu_ms in all. */
  static const struct {
    size_t bytes;
    size_t tags;
  } retry[] = {{32 * 1024, 1000}, {4 * 1024, 128}};
  int rc = 0;
  int sure = 0;
  size_t max_bytes = lim->prefix_max;
  size_t max_tags = lim->tag_budget;
  unsigned cpu_ms = lim->cpu_ms;
  /* Most pages carry their <title> and meta description in the head:
   * parsing only the head is several times cheaper than the whole page
   * (a 100 KB article: the body is most of gumbo's work), and gives the
   * same answer when it is sure. Otherwise the page is parsed whole. */
  size_t h = head_end(u, cut_prefix(u, ulen, raw < len, max_bytes, max_tags));
  if (h > 0) {
    rc = parse_extract(u, h, lim->mem_max, cpu_ms, snippet_len, out, &sure);
    if (rc == 0 && sure) {
      free(u);
      return 0;
    }
    af_extract_free(out);
    if (rc < 0) {
      free(u);
      return -1;
    }
    rc = 0;
  }
  for (size_t attempt = 0;; attempt++) {
    size_t n = cut_prefix(u, ulen, raw < len, max_bytes, max_tags);
    int r = parse_extract(u, n, lim->mem_max, cpu_ms, snippet_len, out, &sure);
    rc = r < 0 ? -1 : 0;
    if (r <= 0 || n == 0 || attempt == sizeof retry / sizeof retry[0])
      break;
    if (max_bytes > retry[attempt].bytes)
      max_bytes = retry[attempt].bytes;
    if (max_tags > retry[attempt].tags)
      max_tags = retry[attempt].tags;
    cpu_ms = lim->cpu_ms / 4;
  }
  free(u);
  return rc;
}

int af_extract(const char *body, size_t len, const char *content_type,
               size_t snippet_len, af_extract_t *out)
{
  af_extract_limits_t lim;
  af_extract_limits_init(&lim);
  return af_extract_ex(body, len, content_type, snippet_len, &lim, out);
}

void af_extract_free(af_extract_t *x)
{
  if (!x)
    return;
  free(x->title);
  free(x->snippet);
  x->title = NULL;
  x->snippet = NULL;
}
