/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "util.h"

static int
fail(char *err, size_t size, const char *path, const char *what)
{
	int e = errno ? errno : EIO;

	snprintf(err, size, "%s: %s: %s", path, what, strerror(e));
	return -e;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding @p path, so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, ret;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

int
ww_file_replace(const char *path, const void *data, size_t len,
		unsigned int mode, char *err, size_t size)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, size, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	errno = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return fail(err, size, tmp, "cannot create");
	/* A temporary file left by a crash keeps its old mode: set ours. */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		ret = fail(err, size, tmp, "cannot write");
		close(fd);
		unlink(tmp);
		return ret;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		ret = fail(err, size, path, "cannot rename the new file over");
		unlink(tmp);
		return ret;
	}
	if (sync_dir(path) != 0)
		return fail(err, size, path, "cannot sync the directory of");
	return 0;
}

char *
ww_file_read(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	struct stat st;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0)
		goto out;
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL)
		goto out;
	if (fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(text);
		text = NULL;
		errno = EIO;
		goto out;
	}
	text[st.st_size] = '\0';
	if (len != NULL)
		*len = (size_t)st.st_size;
out:
	fclose(f);
	return text;
}

int
ww_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[64];

	if (nbytes > sizeof(buf))
		return -EINVAL;
	if (getrandom(buf, nbytes, 0) != (ssize_t)nbytes)
		return -(errno ? errno : EIO);
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 0xf];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

size_t
ww_heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}
