/*
 * libiscsi_write: a WRITE(16) throughput benchmark on libiscsi's asynchronous API, the
 * yardstick for pyiscsi's `iscsi-perf -w` (libiscsi-bin ships no write benchmark).
 *
 *   libiscsi_write <url> <blocks per command> <commands in flight> <seconds>
 *
 * Prints one line: "iops average N (M MB/s)", as iscsi-perf does.  Written for pyiscsi's
 * bench/perf_vs_libiscsi.py, which builds it with: cc -O2 -o ... libiscsi_write.c -liscsi
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

struct bench {
	struct iscsi_context *iscsi;
	int lun;
	uint32_t blocks;
	uint32_t block_size;
	uint64_t num_blocks;
	uint64_t next_lba;
	unsigned char *buf;
	uint64_t done;
	int in_flight;
	int stopping;
	int failed;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void submit(struct bench *b);

static void written(struct iscsi_context *iscsi, int status, void *command_data, void *private_data)
{
	struct bench *b = private_data;
	(void)iscsi;
	b->in_flight--;
	if (status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "libiscsi_write: WRITE(16) failed: %s\n", iscsi_get_error(b->iscsi));
		b->failed = 1;
	} else {
		b->done++;
	}
	scsi_free_scsi_task(command_data);
	if (!b->stopping && !b->failed)
		submit(b);
}

static void submit(struct bench *b)
{
	uint64_t lba = b->next_lba;
	b->next_lba += b->blocks;
	if (b->next_lba + b->blocks > b->num_blocks)
		b->next_lba = 0;
	if (iscsi_write16_task(b->iscsi, b->lun, lba, b->buf, b->blocks * b->block_size,
			       b->block_size, 0, 0, 0, 0, 0, written, b) == NULL) {
		fprintf(stderr, "libiscsi_write: cannot queue WRITE(16): %s\n", iscsi_get_error(b->iscsi));
		b->failed = 1;
		return;
	}
	b->in_flight++;
}

int main(int argc, char **argv)
{
	struct bench b;
	struct iscsi_url *url;
	struct scsi_task *task;
	struct scsi_readcapacity16 *cap;
	int depth, i;
	double seconds, start, end;

	if (argc != 5) {
		fprintf(stderr, "usage: libiscsi_write <url> <blocks> <in flight> <seconds>\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	b.blocks = (uint32_t)atoi(argv[2]);
	depth = atoi(argv[3]);
	seconds = atof(argv[4]);
	b.iscsi = iscsi_create_context("iqn.2024-01.org.pyiscsi:bench-libiscsi-write");
	url = iscsi_parse_full_url(b.iscsi, argv[1]);
	if (url == NULL) {
		fprintf(stderr, "libiscsi_write: bad URL: %s\n", iscsi_get_error(b.iscsi));
		return 10;
	}
	iscsi_set_targetname(b.iscsi, url->target);
	iscsi_set_session_type(b.iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(b.iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(b.iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "libiscsi_write: login failed: %s\n", iscsi_get_error(b.iscsi));
		return 10;
	}
	b.lun = url->lun;
	task = iscsi_readcapacity16_sync(b.iscsi, b.lun);
	if (task == NULL || task->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "libiscsi_write: READ CAPACITY(16) failed\n");
		return 10;
	}
	cap = scsi_datain_unmarshall(task);
	b.block_size = cap->block_length;
	b.num_blocks = cap->returned_lba + 1;
	scsi_free_scsi_task(task);
	b.buf = calloc(b.blocks, b.block_size);

	start = now();
	end = start + seconds;
	for (i = 0; i < depth; i++)
		submit(&b);
	while (b.in_flight > 0 && !b.failed) {
		struct pollfd pfd;
		if (!b.stopping && now() >= end)
			b.stopping = 1;
		pfd.fd = iscsi_get_fd(b.iscsi);
		pfd.events = iscsi_which_events(b.iscsi);
		if (poll(&pfd, 1, 100) < 0)
			break;
		if (iscsi_service(b.iscsi, pfd.revents) < 0) {
			fprintf(stderr, "libiscsi_write: %s\n", iscsi_get_error(b.iscsi));
			return 10;
		}
	}
	end = now();
	printf("iops average %llu (%llu MB/s)\n",
	       (unsigned long long)(b.done / (end - start)),
	       (unsigned long long)(b.done * b.blocks * b.block_size / (end - start) / 1000000));
	iscsi_logout_sync(b.iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(b.iscsi);
	free(b.buf);
	return b.failed ? 10 : 0;
}
