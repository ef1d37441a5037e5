/* fuzz_nfqmsg.c - netlink messages through the NFQUEUE message walk
 * (daemon/nfqmsg.c): no read outside the message, and what it hands out lies
 * inside it. */
#include "fuzz.h"

#include "nfqmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	struct pc_nfqmsg m;

	if (!msg)
		abort();
	memcpy(msg, data, size);
	memset(&m, 0, sizeof(m));
	int rc = pc_nfqmsg_parse(msg, size, &m);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_CHECK(rc < 0 || m.has_id, "a good message without a packet header");
	if (m.payload) {
		FUZZ_CHECK(m.payload >= msg && m.caplen <= size &&
			   (size_t)(m.payload - msg) <= size - m.caplen,
			   "payload [%td, +%zu) outside a message of %zu bytes", m.payload - msg, m.caplen,
			   size);
		volatile uint8_t sum = 0;
		for (size_t i = 0; i < m.caplen; i++)
			sum ^= m.payload[i];
		(void)sum;
	}
	free(msg);
	return 0;
}
