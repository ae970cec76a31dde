/* robots.txt for the engine (src/robotsfetch.h): one fetch per host,
 * started by the scheduler like any URL of that host (it takes one of the
 * host's slots, after its host delay), while the host's other URLs wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robotsfetch.h"
#include "text.h"

/* "scheme://host[:port]/robots.txt" from a parsed URL, without any user
 * name or password: robots.txt is the origin's, not an account's. */
static char *robots_url(const char *url)
{
  const char *sep = strstr(url, "://");
  if (!sep)
    return NULL;
  const char *auth = sep + 3;
  size_t alen = strcspn(auth, "/?#");
  const char *at = memchr(auth, '@', alen);
  const char *host = at ? at + 1 : auth;
  size_t hlen = alen - (size_t)(host - auth);
  size_t slen = (size_t)(auth - url);
  static const char tail[] = "/robots.txt";
  char *out = malloc(slen + hlen + sizeof(tail));
  if (!out)
    return NULL;
  memcpy(out, url, slen);
  memcpy(out + slen, host, hlen);
  memcpy(out + slen + hlen, tail, sizeof(tail));
  return out;
}

int af_robots_probe_push(afetch_t *a, const af_item_t *it, uint64_t now)
{
  af_item_t *p = calloc(1, sizeof(*p));
  if (!p)
    return AFETCH_ENOMEM;
  p->save_fd = -1;
  p->robots_probe = 1;
  p->seq = it->seq; /* goes first on its host, inside the same window */
  p->t_intake = now;
  af_buf_init(&p->body, 0);
  p->u.url = robots_url(it->u.url);
  p->u.display = p->u.url ? strdup(p->u.url) : NULL;
  p->u.host = strdup(it->u.host);
  p->u.hostkey = strdup(it->u.hostkey);
  p->u.hash = it->u.hash;
  if (!p->u.url || !p->u.display || !p->u.host || !p->u.hostkey ||
      af_sched_push(&a->sched, p, 0, now) < 0) {
    af_sched_release(&a->sched, p);
    af_item_free(p);
    return AFETCH_ENOMEM;
  }
  return 0;
}

/* What the fetch means (src/robots.h): a 2xx body is parsed for our
 * agent; a transfer that got no usable answer disallows all. Too many
 * redirects leave a 3xx, which af_robots_outcome reads as no file. */
static af_robots_t *policy_of(const afetch_t *a, const af_item_t *p,
                              afetch_errkind_t *fail)
{
  *fail = AFETCH_ERR_NONE;
  if (p->host_skipped) {
    *fail = AFETCH_ERR_HOST_SKIPPED;
    return af_robots_from_status(0, 1);
  }
  if (p->kind == AFETCH_ERR_NONE && p->status >= 200 && p->status < 300)
    return af_robots_parse(p->body.data ? p->body.data : "", p->body.len,
                           a->user_agent);
  if (p->kind == AFETCH_ERR_NONE || p->kind == AFETCH_ERR_REDIRECTS)
    return af_robots_from_status(p->status, 0);
  *fail = p->kind;
  return af_robots_from_status(0, 1);
}

void af_robots_probe_end(afetch_t *a, af_item_t *p)
{
  if (!a->stopping && !a->fatal) {
    afetch_errkind_t fail;
    af_robots_t *r = policy_of(a, p, &fail);
    if (!r)
      a->fatal = AFETCH_ENOMEM;
    else
      af_sched_robots_set(&a->sched, p, r, p->status, fail, uv_hrtime());
  }
  af_sched_release(&a->sched, p);
  af_item_free(p);
}

void af_robots_refused(af_item_t *it)
{
  char msg[512];
  af_robots_rule_t why;
  const af_robots_rule_t *w = &why;
  const af_host_t *h = it->host;
  af_sched_robots_rule(it, &why);
  if (w->pattern) {
    /* A pattern can be 16 KiB: the message keeps its first 200 bytes. */
    int n = w->len > 200 ? 200 : (int)w->len;
    snprintf(msg, sizeof(msg), "disallowed by robots.txt (Disallow: %.*s%s%s)",
             n, w->pattern, w->len > 200 ? "..." : "", w->anchored ? "$" : "");
  }
  else if (h->robots_fail != AFETCH_ERR_NONE)
    snprintf(msg, sizeof(msg),
             "disallowed by robots.txt: it could not be fetched (%s), so "
             "nothing on this host is fetched",
             afetch_errkind_name(h->robots_fail));
  else
    snprintf(msg, sizeof(msg),
             "disallowed by robots.txt: it answered %d, so nothing on this "
             "host is fetched",
             h->robots_status);
  free(it->error);
  it->error = af_text_clean(msg, strlen(msg), 0);
  it->kind = AFETCH_ERR_ROBOTS;
}

static const char *robots_name(const af_sched_t *s, const af_host_t *h)
{
  if (!s->robots || h->robots_state != AF_ROBOTS_KNOWN || !h->robots)
    return "none";
  switch (af_robots_kind(h->robots)) {
  case AF_ROBOTS_RULES:
    return "rules";
  case AF_ROBOTS_ALLOW_ALL:
    return "allowed-all";
  default:
    return "disallowed-all";
  }
}

AFETCH_API int afetch_host_stats(const afetch_t *a, afetch_host_cb cb, void *ud)
{
  if (!a || !cb)
    return AFETCH_EINVAL;
  if (!a->sched.keep_hosts)
    return AFETCH_ESTATE;
  size_t n;
  af_host_t **v = af_sched_host_list(&a->sched, &n);
  if (!v && n == SIZE_MAX)
    return AFETCH_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const af_host_t *h = v[i];
    afetch_host_t r;
    memset(&r, 0, sizeof(r));
    r.host = h->key;
    r.requests = h->st.requests;
    r.peak_in_flight = h->st.peak_inflight;
    r.peak_per_second = h->st.peak_second;
    r.status_429 = h->st.n429;
    r.status_503 = h->st.n503;
    r.backoff_ms = (double)h->st.backoff_ns / 1e6;
    r.robots = robots_name(&a->sched, h);
    r.robots_status = h->robots_status;
    r.crawl_delay_ms = (double)h->crawl_ns / 1e6;
    r.skipped = h->st.skipped;
    r.disallowed = h->st.disallowed;
    cb(&r, ud);
  }
  free(v);
  return 0;
}
