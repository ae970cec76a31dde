/* The transfer stage: one URL on one easy handle, from its options to the
 * result read back when curl is done with it. It reports each transfer's
 * end through the callback it was given; what follows (a retry, a parse,
 * delivery) is the engine's decision. */
#ifndef AF_TRANSFER_H
#define AF_TRANSFER_H

#include <curl/curl.h>

#include "afetch.h"
#include "curlev.h"
#include "item.h"

typedef enum {
  AF_XFER_DONE,   /* a response: the item carries its status */
  AF_XFER_RETRY,  /* failed in a way worth another try (the engine decides) */
  AF_XFER_FAILED, /* the item carries its error */
} af_xfer_outcome_t;

typedef void (*af_xfer_ended_cb)(void *ud, af_item_t *it,
                                 af_xfer_outcome_t outcome);

/* A transfer's connection is up (or reused): its host answers. */
typedef void (*af_xfer_connected_cb)(void *ud, af_item_t *it);

typedef struct {
  /* What every transfer is set up with; the strings are the engine's. */
  const afetch_options_t *o;
  const char *user_agent;
  struct curl_slist *hdr_list;
  const char *cacert, *capath, *proxy, *noproxy;
  int output_dirfd;     /* -o DIR, or -1 */
  unsigned concurrency; /* of this run */
  int concurrent;       /* this run is not one at a time */
  af_curlev_t *ev;
  /* --resolve, for a transfer without its own. */
  struct curl_slist *pins;

  af_item_t *flying; /* transfers handed to curl */
  CURL **easy_pool;
  size_t neasy, capeasy;
  CURLSH *share; /* TLS sessions, shared by every handle (set_options) */
  af_xfer_ended_cb ended;
  af_xfer_connected_cb connected; /* optional */
  void *ud;
} af_xfer_t;

/* Hands the item to curl. -1: it did not start, and carries its error. */
int af_xfer_start(af_xfer_t *x, af_item_t *it);
/* curl is done with easy: reads the result and reports the outcome. */
void af_xfer_done(af_xfer_t *x, CURL *easy, CURLcode res);
/* Takes every transfer from curl and returns those items, linked by
 * fnext, without reporting them. */
af_item_t *af_xfer_take_all(af_xfer_t *x);
void af_xfer_pool_free(af_xfer_t *x);
/* 1 when a proxy may be in the way (given, or in the environment): the
 * proxy then resolves the host names. */
int af_xfer_proxied(const af_xfer_t *x);

#endif
