/* Ownership transfer methods by their doxm oxm number (SEC:doxm oxms/oxmsel, digest 2.1), shared
 * by the security resources (src/svr) and the DTLS key derivations (src/dtls), so that a layer
 * using both sees one definition. */
#ifndef OCF_BASE_OXM_H
#define OCF_BASE_OXM_H

typedef enum ocf_oxm {
  OCF_OXM_JUST_WORKS = 0, /* oic.sec.doxm.jw */
  OCF_OXM_RANDOM_PIN = 1, /* oic.sec.doxm.rdp */
  OCF_OXM_MFG_CERT = 2,   /* oic.sec.doxm.mfgcert */
  OCF_OXM_DCAP = 3,       /* oic.sec.doxm.dcap, deprecated */
  OCF_OXM_SELF = 4,       /* oic.sec.oxm.self: oxmsel after RESET (pitfall 18), never in oxms */
} ocf_oxm;

#endif
