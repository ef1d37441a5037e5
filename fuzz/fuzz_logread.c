/* fuzz_logread.c - any line through the verdict log reader (tools/logread.c):
 * no crash, no read past the line, and a record that parses is whole. */
#include "fuzz.h"

#include "logread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pc_logrec rec;
	char err[128];

	if (pc_logread_parse((const char *)data, size, 1700000000, &rec, err, sizeof(err)) < 0) {
		FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err) && err[0], "no reason given");
		return 0;
	}
	FUZZ_CHECK(rec.kind >= PC_LOGREC_VERDICT && rec.kind <= PC_LOGREC_MESSAGE, "kind %d",
		   (int)rec.kind);
	FUZZ_CHECK(strnlen(rec.rule, sizeof(rec.rule)) < sizeof(rec.rule), "rule not terminated");
	FUZZ_CHECK(strnlen(rec.level, sizeof(rec.level)) < sizeof(rec.level), "level not terminated");
	FUZZ_CHECK(strnlen(rec.msg, sizeof(rec.msg)) < sizeof(rec.msg), "msg not terminated");
	if (rec.kind == PC_LOGREC_VERDICT) {
		FUZZ_CHECK(rec.verdict == PC_DENY || rec.verdict == PC_PERMIT, "verdict %d",
			   (int)rec.verdict);
		FUZZ_CHECK(rec.dir == 0 || rec.dir == PC_DIR_IN || rec.dir == PC_DIR_OUT, "dir %u",
			   rec.dir);
		FUZZ_CHECK(!(rec.has & PC_LR_PACKET) || rec.family == PC_FAM_V4 ||
			   rec.family == PC_FAM_V6, "family %u", rec.family);
	}
	return 0;
}
