/* fuzz_ssh_output.c: libFuzzer target for how lib/ssh.c keeps the remote command's output: capped buffers and stdout's tail. */
/*
 * The gate's result line is read from the tail of stdout, so the tail must
 * be exactly the last bytes received, however the channel split them. This
 * target includes lib/ssh.c to reach its static helpers. An input is a
 * series of chunks, each one length byte (255 means a chunk longer than the
 * tail) followed by that many bytes.
 */
#include "../lib/ssh.c"

#define CAP		1000	/* bytes of the capped buffer under test */
#define BIG_CHUNK	(BG_SSH_TAIL_MAX + 88)
#define ALL_MAX		(64 * 1024)	/* bytes of reference kept */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char all[ALL_MAX];
	static char capped[CAP + 1];
	struct ssh_output o;
	size_t pos = 0, total = 0, len = 0, keep;
	int truncated = 0;

	memset(&o, 0, sizeof(o));
	while (pos < size) {
		size_t n = data[pos] == 255 ? BIG_CHUNK : data[pos];
		char chunk[BIG_CHUNK];

		pos++;
		if (n > size - pos)
			n = size - pos;
		memcpy(chunk, data + pos, n);
		pos += n;
		if (total + n > ALL_MAX)
			break;
		memcpy(all + total, chunk, n);
		total += n;
		append_capped(capped, &len, CAP, &truncated, chunk, n);
		append_tail(&o, chunk, n);
	}

	/* The capped buffer is the first CAP bytes, flagged when cut. */
	if (len != (total < CAP ? total : CAP) || memcmp(capped, all, len) != 0 ||
	    capped[len] != '\0' || truncated != (total > CAP)) {
		fprintf(stderr, "fuzz_ssh_output: capped buffer of %zu bytes after %zu\n", len, total);
		abort();
	}
	/* The tail is the last BG_SSH_TAIL_MAX bytes. */
	keep = total < BG_SSH_TAIL_MAX ? total : BG_SSH_TAIL_MAX;
	if (o.tail_len != keep || memcmp(o.tail, all + total - keep, keep) != 0 ||
	    o.tail[keep] != '\0') {
		fprintf(stderr, "fuzz_ssh_output: tail of %zu bytes after %zu\n", o.tail_len, total);
		abort();
	}
	return 0;
}
