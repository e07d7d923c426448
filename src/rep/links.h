/* /oic/res links (CORE oic.oic-link, oic.wk.res; digest §1.4): one struct per link, encoders
 * for the links-list form (oic.if.ll, the default) and the baseline form, and a tolerant
 * decoder for discovery replies.
 *
 * Strings in a link are ocf_rep_str slices: after decoding they point into the CBOR input
 * (which must outlive the links); for encoding the caller points them at its own strings. */
#ifndef OCF_REP_LINKS_H
#define OCF_REP_LINKS_H

#include "rep/rep.h"

#define OCF_LINK_MAX_EPS 8
#define OCF_LINK_BM_DISCOVERABLE 1u /* p.bm bits (IL OC_DISCOVERABLE, OC_OBSERVABLE) */
#define OCF_LINK_BM_OBSERVABLE 2u

typedef struct ocf_link_ep {
  ocf_rep_str ep; /* "coaps://[fe80::1]:41001"; never a zone id (digest §10 pitfall 28) */
  uint32_t pri;   /* >= 1 (CORE links eps.pri); 0 = absent */
} ocf_link_ep;

typedef struct ocf_link {
  bool has_di;
  ocf_uuid di;        /* the device: anchor "ocf://<di>", else the link's (or OIC 1.1 payload's) "di" */
  ocf_rep_str anchor; /* decoded: the anchor as received (may be empty). Encoded only when !has_di */
  ocf_rep_str href;   /* required */
  ocf_rep_str rt[OCF_REP_MAX_TYPES];
  size_t n_rt;
  ocf_rep_str ifs[OCF_REP_MAX_TYPES];
  size_t n_if;
  bool has_bm;
  uint8_t bm; /* "p": {"bm": ...} */
  ocf_link_ep eps[OCF_LINK_MAX_EPS];
  size_t n_eps;
} ocf_link;

/* What surrounds the links in a discovery reply. */
typedef struct ocf_res_info {
  bool baseline;         /* the reply had the baseline form [ {rt, if, links, ...} ] */
  ocf_rep_common common; /* rt / if / n of /oic/res itself (baseline form only) */
  bool has_sduuid;
  ocf_uuid sduuid;
  bool has_sdname;
  ocf_rep_str sdname;
  size_t n_links;
} ocf_res_info;

/* One link map: anchor (when has_di or anchor is set), href, rt, if, p (when has_bm), eps
 * (when n_eps > 0; pri only when non-zero). Counts above the array sizes -> OCF_ERR_INVALID_ARG. */
void ocf_link_encode(ocf_rep_enc *e, const ocf_link *l);
/* oic.if.ll: [ link, link, ... ] */
void ocf_links_encode_ll(ocf_rep_enc *e, const ocf_link *links, size_t n);
/* oic.if.baseline: [ {"rt": [...], "if": [...], "n"?, "links": [...], "sduuid"?, "sdname"?} ].
 * info->common with n_rt / n_if 0 gets rt ["oic.wk.res"] / if ["oic.if.ll", "oic.if.baseline"].
 * sduuid / sdname are written when has_sduuid / has_sdname: the caller leaves them out when
 * /oic/sec/sdi priv is true (digest §1.4). info may be NULL. */
void ocf_links_encode_baseline(ocf_rep_enc *e, const ocf_link *links, size_t n, const ocf_res_info *info);

/* Decodes one link map. Unknown keys (rel, title, type, ins, lat, ...) are ignored.
 * OCF_ERR_NOT_FOUND: no href, or an eps entry without ep. OCF_ERR_TYPE: a property of the
 * wrong type (rt/if not arrays of text, p not a map, ...). OCF_ERR_MALFORMED: an anchor
 * "ocf://..." or a "di" that is not a UUID. OCF_ERR_RANGE: p.bm > 255, pri < 1 or > 2^32-1.
 * OCF_ERR_TOO_LARGE: more than OCF_REP_MAX_TYPES rt/if or OCF_LINK_MAX_EPS eps. */
OCF_NODISCARD ocf_err ocf_link_decode(const ocf_rep_node *map, ocf_link *out);

/* Decodes a /oic/res reply, links-list or baseline form (an array holding one map with
 * "links"; an OIC 1.1-style "di" there applies to links that have none), definite or
 * indefinite lengths, any key order. Links go to links[0..cap), the rest to *info.
 * Errors as ocf_link_decode, plus OCF_ERR_TYPE (root not an array, an item not a map, links
 * not an array), OCF_ERR_MALFORMED (baseline array with more than one item, bad sduuid),
 * OCF_ERR_TOO_LARGE (more than cap links). On error *info is unchanged and links[] undefined. */
OCF_NODISCARD ocf_err ocf_links_decode(const ocf_rep_node *root, ocf_link *links, size_t cap,
                                       ocf_res_info *info);

/* ocf_rep_decode + ocf_links_decode in one call; nodes[] is scratch and can be reused after. */
OCF_NODISCARD ocf_err ocf_links_parse(const uint8_t *cbor, size_t len, const ocf_rep_limits *limits,
                                      ocf_rep_node *nodes, size_t n_nodes, ocf_link *links, size_t cap,
                                      ocf_res_info *info);

/* Same device, href, rt, if, bm and eps (anchor text compared only when neither has di). */
bool ocf_link_equal(const ocf_link *a, const ocf_link *b);

#endif
