/* robots.txt parsing and matching; the rules it follows are in robots.h. */
#include "robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A KMP entry is a position inside one piece of one pattern, and a pattern
 * is at most one line, each byte of which may become three. */
_Static_assert(AF_ROBOTS_MAX_LINE * 3 < UINT16_MAX, "KMP entries fit 16 bits");

typedef struct {
  char *pat;     /* normalised, runs of '*' collapsed, final '$' removed */
  uint16_t *kmp; /* per byte: KMP failure inside its piece; NULL if no '*' */
  uint32_t len;  /* bytes in pat */
  uint32_t prio; /* normalised length as written, '*'s and '$' included */
  int allow;     /* Allow (1) or Disallow (0) */
  int anchored;  /* ended with '$' */
} rule_t;

typedef struct {
  rule_t *v;
  size_t n;
  size_t cap;
  double delay; /* -1: none */
} ruleset_t;

struct af_robots {
  af_robots_outcome_t kind;
  ruleset_t rules;
};

static int is_ws(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static int lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_token(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_';
}

static int hexval(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int unreserved(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* The one canonical form both patterns and paths are compared in (see
 * robots.h). out must hold 3 * n bytes; returns the bytes written. */
static size_t normalise(const char *in, size_t n, char *out)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c == '%' && i + 2 < n && hexval((unsigned char)in[i + 1]) >= 0 &&
        hexval((unsigned char)in[i + 2]) >= 0) {
      int v = hexval((unsigned char)in[i + 1]) * 16 +
              hexval((unsigned char)in[i + 2]);
      if (unreserved(v)) {
        out[o++] = (char)v;
      }
      else {
        out[o++] = '%';
        out[o++] = hex[v >> 4];
        out[o++] = hex[v & 15];
      }
      i += 2;
    }
    else if (c >= 0x80 || c <= 0x20 || c == 0x7F || c == '%') {
      /* A '%' that starts no escape is a literal '%', that is "%25". */
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
    else {
      out[o++] = (char)c;
    }
  }
  return o;
}

static int starts_ci(const char *s, size_t n, const char *prefix)
{
  size_t k = strlen(prefix);
  if (n < k)
    return 0;
  for (size_t i = 0; i < k; i++)
    if (lower((unsigned char)s[i]) != prefix[i])
      return 0;
  return 1;
}

typedef enum {
  KEY_OTHER,
  KEY_AGENT,
  KEY_ALLOW,
  KEY_DISALLOW,
  KEY_DELAY
} rkey_t;

static rkey_t classify(const char *k, size_t n)
{
  static const char *const agent[] = {"user-agent", "useragent", "user agent"};
  static const char *const disallow[] = {"disallow", "dissallow", "dissalow",
                                         "disalow",  "diasllow",  "disallaw"};
  static const char *const delay[] = {"crawl-delay", "crawldelay",
                                      "crawl delay"};
  for (size_t i = 0; i < sizeof(agent) / sizeof(agent[0]); i++)
    if (starts_ci(k, n, agent[i]))
      return KEY_AGENT;
  if (starts_ci(k, n, "allow"))
    return KEY_ALLOW;
  for (size_t i = 0; i < sizeof(disallow) / sizeof(disallow[0]); i++)
    if (starts_ci(k, n, disallow[i]))
      return KEY_DISALLOW;
  for (size_t i = 0; i < sizeof(delay) / sizeof(delay[0]); i++)
    if (starts_ci(k, n, delay[i]))
      return KEY_DELAY;
  return KEY_OTHER;
}

/* A decimal number of seconds, parsed by hand so the C locale's decimal
 * point cannot change it; -1 when the value is not one. */
static double parse_delay(const char *s, size_t n)
{
  double v = 0;
  size_t i = 0;
  size_t digits = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    if (v < 1e9) /* past the cap anyway: stop growing */
      v = v * 10 + (s[i] - '0');
  if (i < n && s[i] == '.') {
    double scale = 0.1;
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
      v += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (digits == 0 || i != n)
    return -1;
  return v > AF_ROBOTS_MAX_DELAY ? AF_ROBOTS_MAX_DELAY : v;
}

static void rule_free(rule_t *r)
{
  free(r->pat);
  free(r->kmp);
}

static void set_free(ruleset_t *s)
{
  for (size_t i = 0; i < s->n; i++)
    rule_free(&s->v[i]);
  free(s->v);
  s->v = NULL;
  s->n = s->cap = 0;
}

/* KMP failure function of every piece between '*'s (the first piece is
 * only ever compared at the start of the path and needs none). */
static void build_kmp(rule_t *r)
{
  size_t i = 0;
  while (i < r->len && r->pat[i] != '*')
    i++;
  while (i < r->len) {
    size_t a = ++i; /* past the '*' */
    while (i < r->len && r->pat[i] != '*')
      i++;
    const char *p = r->pat + a;
    size_t m = i - a;
    uint16_t *f = r->kmp + a;
    size_t k = 0;
    if (m > 0)
      f[0] = 0;
    for (size_t j = 1; j < m; j++) {
      while (k > 0 && p[j] != p[k])
        k = f[k - 1];
      if (p[j] == p[k])
        k++;
      f[j] = (uint16_t)k;
    }
  }
}

/* Makes a rule from a trimmed, non-empty value. 0, or -1 on ENOMEM. */
static int rule_make(rule_t *r, const char *v, size_t n, int allow)
{
  memset(r, 0, sizeof(*r));
  char *buf = malloc(3 * n + 1);
  if (!buf)
    return -1;
  size_t len = normalise(v, n, buf);
  r->prio = (uint32_t)len;
  r->allow = allow;
  if (len > 0 && buf[len - 1] == '$') {
    r->anchored = 1;
    len--;
  }
  /* Collapse runs of '*': "a**b" is "a*b", and fewer empty pieces means
   * less work per path. */
  size_t o = 0;
  int stars = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] == '*' && o > 0 && buf[o - 1] == '*')
      continue;
    if (buf[i] == '*')
      stars = 1;
    buf[o++] = buf[i];
  }
  buf[o] = '\0';
  char *shrunk = realloc(buf, o + 1); /* it was sized for the worst case */
  r->pat = shrunk ? shrunk : buf;
  r->len = (uint32_t)o;
  if (stars) {
    r->kmp = malloc((o ? o : 1) * sizeof(uint16_t));
    if (!r->kmp) {
      free(r->pat);
      r->pat = NULL;
      return -1;
    }
    build_kmp(r);
  }
  return 0;
}

static int set_add(ruleset_t *s, const char *v, size_t n, int allow)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 8;
    rule_t *nv = realloc(s->v, cap * sizeof(*nv));
    if (!nv)
      return -1;
    s->v = nv;
    s->cap = cap;
  }
  if (rule_make(&s->v[s->n], v, n, allow) < 0)
    return -1;
  s->n++;
  return 0;
}

typedef struct {
  const char *token; /* our product token */
  size_t token_len;
  ruleset_t spec;   /* rules of the groups naming us */
  ruleset_t global; /* rules of the "*" groups */
  int found_spec;   /* a group names us, even an empty one */
  int seen_agent;   /* a User-agent line came before */
  int in_agents;    /* the last member line was a User-agent line */
  int cur_spec;     /* the current group names us */
  int cur_global;   /* the current group is a "*" group */
} parser_t;

static void on_agent(parser_t *p, const char *v, size_t n)
{
  if (!p->in_agents)
    p->cur_spec = p->cur_global = 0;
  p->in_agents = 1;
  p->seen_agent = 1;
  if (n >= 1 && v[0] == '*' && (n == 1 || is_ws((unsigned char)v[1]))) {
    p->cur_global = 1;
    return;
  }
  size_t t = 0;
  while (t < n && is_token((unsigned char)v[t]))
    t++;
  if (t == 0 || t != p->token_len)
    return;
  for (size_t i = 0; i < t; i++)
    if (lower((unsigned char)v[i]) != lower((unsigned char)p->token[i]))
      return;
  p->cur_spec = 1;
  p->found_spec = 1;
}

static void take_delay(ruleset_t *s, double d)
{
  if (d > s->delay)
    s->delay = d;
}

/* One rule line for the current group. 0, or -1 on ENOMEM. */
static int on_rule(parser_t *p, rkey_t key, const char *v, size_t n)
{
  p->in_agents = 0;
  if (!p->seen_agent)
    return 0;
  if (key == KEY_DELAY) {
    double d = parse_delay(v, n);
    if (d < 0)
      return 0;
    if (p->cur_spec)
      take_delay(&p->spec, d);
    if (p->cur_global)
      take_delay(&p->global, d);
    return 0;
  }
  if (n == 0)
    return 0; /* "Disallow:" with no value allows everything */
  int allow = key == KEY_ALLOW;
  if (p->cur_spec && set_add(&p->spec, v, n, allow) < 0)
    return -1;
  /* Once a group names us the "*" groups are dead: do not keep them. */
  if (p->cur_global && !p->found_spec && set_add(&p->global, v, n, allow) < 0)
    return -1;
  return 0;
}

static void trim(const char **s, size_t *n)
{
  while (*n > 0 && is_ws((unsigned char)**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && is_ws((unsigned char)(*s)[*n - 1]))
    (*n)--;
}

static int on_line(parser_t *p, const char *line, size_t n)
{
  if (n > AF_ROBOTS_MAX_LINE)
    n = AF_ROBOTS_MAX_LINE;
  const char *hash = memchr(line, '#', n);
  if (hash)
    n = (size_t)(hash - line);
  const char *colon = memchr(line, ':', n);
  if (!colon)
    return 0;
  const char *k = line;
  size_t kn = (size_t)(colon - line);
  const char *v = colon + 1;
  size_t vn = n - kn - 1;
  trim(&k, &kn);
  trim(&v, &vn);
  rkey_t key = classify(k, kn);
  if (key == KEY_AGENT) {
    on_agent(p, v, vn);
    return 0;
  }
  if (key == KEY_OTHER)
    return 0;
  return on_rule(p, key, v, vn);
}

/* Longest pattern first and Allow before Disallow of the same length: the
 * first rule that matches then decides. */
static int by_priority(const void *a, const void *b)
{
  const rule_t *x = a;
  const rule_t *y = b;
  if (x->prio != y->prio)
    return x->prio > y->prio ? -1 : 1;
  return y->allow - x->allow;
}

static af_robots_t *robots_new(af_robots_outcome_t kind)
{
  af_robots_t *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->kind = kind;
  r->rules.delay = -1;
  return r;
}

af_robots_t *af_robots_parse(const char *body, size_t len, const char *agent)
{
  af_robots_t *r = robots_new(AF_ROBOTS_RULES);
  if (!r)
    return NULL;
  parser_t p;
  memset(&p, 0, sizeof(p));
  p.spec.delay = p.global.delay = -1;
  p.token = agent ? agent : "";
  while (is_token((unsigned char)p.token[p.token_len]))
    p.token_len++;

  int cut = len > AF_ROBOTS_MAX_BODY;
  size_t n = cut ? AF_ROBOTS_MAX_BODY : len;
  size_t pos = 0;
  if (n >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  while (pos < n) {
    size_t end = pos;
    while (end < n && body[end] != '\n' && body[end] != '\r')
      end++;
    if (end == n && cut)
      break; /* the cap cut this line: a shortened rule must not apply */
    if (on_line(&p, body + pos, end - pos) < 0)
      goto nomem;
    if (end + 1 < n && body[end] == '\r' && body[end + 1] == '\n')
      end++;
    pos = end + 1;
  }
  if (p.found_spec) {
    r->rules = p.spec;
    set_free(&p.global);
  }
  else {
    r->rules = p.global;
    set_free(&p.spec);
  }
  if (r->rules.n > 1)
    qsort(r->rules.v, r->rules.n, sizeof(rule_t), by_priority);
  return r;
nomem:
  set_free(&p.spec);
  set_free(&p.global);
  free(r);
  return NULL;
}

af_robots_outcome_t af_robots_outcome(int status, int fetch_failed)
{
  if (fetch_failed)
    return AF_ROBOTS_DISALLOW_ALL;
  if (status >= 200 && status <= 299)
    return AF_ROBOTS_RULES;
  if (status == 429)
    return AF_ROBOTS_DISALLOW_ALL;
  if (status >= 300 && status <= 499)
    return AF_ROBOTS_ALLOW_ALL;
  return AF_ROBOTS_DISALLOW_ALL;
}

const char *af_robots_outcome_name(af_robots_outcome_t o)
{
  switch (o) {
  case AF_ROBOTS_RULES:
    return "rules";
  case AF_ROBOTS_ALLOW_ALL:
    return "allow_all";
  case AF_ROBOTS_DISALLOW_ALL:
    return "disallow_all";
  }
  return "?";
}

af_robots_t *af_robots_from_status(int status, int fetch_failed)
{
  af_robots_outcome_t o = af_robots_outcome(status, fetch_failed);
  return robots_new(o == AF_ROBOTS_RULES ? AF_ROBOTS_ALLOW_ALL : o);
}

af_robots_outcome_t af_robots_kind(const af_robots_t *r)
{
  return r->kind;
}

/* Leftmost end of p[0..m) in t[from..n), or SIZE_MAX. */
static size_t kmp_find(const char *t, size_t n, size_t from, const char *p,
                       size_t m, const uint16_t *f, size_t *steps)
{
  if (n - from < m)
    return SIZE_MAX;
  size_t k = 0;
  for (size_t i = from; i < n; i++) {
    while (k > 0 && t[i] != p[k]) {
      k = f[k - 1];
      (*steps)++;
    }
    (*steps)++;
    if (t[i] == p[k])
      k++;
    if (k == m)
      return i + 1;
  }
  return SIZE_MAX;
}

static int rule_matches(const rule_t *r, const char *q, size_t n, size_t *steps)
{
  size_t first = 0;
  while (first < r->len && r->pat[first] != '*')
    first++;
  *steps += first;
  if (first > n || memcmp(q, r->pat, first) != 0)
    return 0;
  if (first == r->len)
    return r->anchored ? n == first : 1;
  size_t at = first; /* path bytes consumed so far */
  size_t i = first;
  while (i < r->len) {
    size_t a = ++i; /* past the '*' */
    while (i < r->len && r->pat[i] != '*')
      i++;
    size_t m = i - a;
    *steps += m; /* finding the piece's end */
    if (i == r->len && r->anchored) {
      /* Last piece before '$': it must end the path, after what the
       * earlier pieces took. */
      *steps += m;
      return m <= n - at && memcmp(q + n - m, r->pat + a, m) == 0;
    }
    if (m == 0)
      return 1; /* a trailing '*' matches the rest */
    at = kmp_find(q, n, at, r->pat + a, m, r->kmp + a, steps);
    if (at == SIZE_MAX)
      return 0;
  }
  return 1;
}

/* The verdict, and the rule that gave it (why may be NULL). */
static int check(const af_robots_t *r, const char *path, size_t len,
                 size_t *steps, af_robots_rule_t *why)
{
  size_t dummy = 0;
  if (why)
    memset(why, 0, sizeof(*why));
  if (!steps)
    steps = &dummy;
  *steps = 0;
  const char *hash = memchr(path, '#', len);
  if (hash)
    len = (size_t)(hash - path);
  int slash = len == 0 || path[0] != '/';
  char *q = malloc(3 * len + 2);
  if (!q)
    return -1;
  size_t n = 0;
  if (slash)
    q[n++] = '/';
  n += normalise(path, len, q + n);
  static const char self[] = "/robots.txt";
  size_t sn = sizeof(self) - 1;
  int verdict = 1;
  if (n >= sn && memcmp(q, self, sn) == 0 && (n == sn || q[sn] == '?'))
    goto out; /* RFC 9309: /robots.txt is implicitly allowed */
  if (r->kind != AF_ROBOTS_RULES) {
    verdict = r->kind == AF_ROBOTS_ALLOW_ALL;
    goto out;
  }
  for (size_t i = 0; i < r->rules.n; i++) {
    if (rule_matches(&r->rules.v[i], q, n, steps)) {
      const rule_t *w = &r->rules.v[i];
      verdict = w->allow;
      if (why) {
        why->pattern = w->pat;
        why->len = w->len;
        why->anchored = w->anchored;
        why->allow = w->allow;
      }
      break;
    }
  }
out:
  free(q);
  return verdict;
}

int af_robots_check(const af_robots_t *r, const char *path, size_t len,
                    size_t *steps)
{
  return check(r, path, len, steps, NULL);
}

int af_robots_match(const af_robots_t *r, const char *path, size_t len,
                    af_robots_rule_t *why)
{
  return check(r, path, len, NULL, why);
}

int af_robots_allowed(const af_robots_t *r, const char *path_and_query)
{
  return af_robots_check(r, path_and_query, strlen(path_and_query), NULL);
}

double af_robots_crawl_delay(const af_robots_t *r)
{
  return r->rules.delay;
}

size_t af_robots_rule_count(const af_robots_t *r)
{
  return r->rules.n;
}

void af_robots_free(af_robots_t *r)
{
  if (!r)
    return;
  set_free(&r->rules);
  free(r);
}
