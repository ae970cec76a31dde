/* The item's memory: every stage may free what it holds of one. */
#include <stdlib.h>
#include <unistd.h>

#include "item.h"

void af_item_free(af_item_t *it)
{
  if (!it)
    return;
  af_url_free(&it->u);
  free(it->bad_msg);
  af_item_reset_result(it);
  free(it->errbuf);
  free(it->title);
  free(it->snippet);
  free(it->saved_as);
  curl_slist_free_all(it->resolve);
  if (it->save_fd >= 0)
    close(it->save_fd);
  free(it);
}

void af_item_reset_result(af_item_t *it)
{
  free(it->error);
  free(it->content_type);
  free(it->effective_url);
  free(it->ip);
  free(it->server);
  free(it->location);
  it->error = it->content_type = it->effective_url = NULL;
  it->ip = it->server = it->location = NULL;
  it->status = 0;
  it->kind = AFETCH_ERR_NONE;
  af_buf_free(&it->body);
}
