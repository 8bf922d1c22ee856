/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connrate ADDR PORT SECONDS: open and close TCP connections to ADDR:PORT
 * back to back for SECONDS; print connections per second and failures.
 * connrate -r ADDR PORT SECONDS: over one TCP connection, send a byte and wait
 * for it to come back, for SECONDS; print requests per second and failures.
 * connrate -l PORT: accept and close connections forever (the server).
 * connrate -e PORT: echo every byte back, one connection at a time, forever.
 * For benchmarks only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int serve(int port, int echo)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("connrate: listen");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (echo) {
			char b[64];
			ssize_t n;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			while ((n = read(c, b, sizeof(b))) > 0 && write(c, b, (size_t)n) == n)
				;
		}
		close(c);
	}
}

/* Requests per second over one connection: a byte there and back. */
static int requests(const struct sockaddr_in *a, double secs)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		perror("connrate: connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	double start = now(), end = start + secs;
	unsigned long ok = 0, failed = 0;
	char c = 'x';
	while (now() < end) {
		if (write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1) {
			ok++;
		} else {
			failed++;
			break;
		}
	}
	printf("%.0f %lu\n", (double)ok / (now() - start), failed);
	close(fd);
	return failed != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && argv[1][0] == '-' && (argv[1][1] == 'l' || argv[1][1] == 'e'))
		return serve(atoi(argv[2]), argv[1][1] == 'e');
	int rr = argc == 5 && strcmp(argv[1], "-r") == 0;
	argv += rr;
	argc -= rr;
	if (argc != 4) {
		fprintf(stderr, "usage: connrate [-r] ADDR PORT SECONDS | -l PORT | -e PORT\n");
		return 2;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "connrate: bad address %s\n", argv[1]);
		return 2;
	}
	if (rr)
		return requests(&a, atof(argv[3]));
	double secs = atof(argv[3]), start = now(), end = start + secs;
	unsigned long ok = 0, failed = 0;
	while (now() < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return 1;
		/* Close with RST: no TIME_WAIT, so the client's ports never run out
		 * and every run measures the same thing. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			ok++;
		else
			failed++;
		close(fd);
	}
	printf("%.0f %lu\n", (double)ok / (now() - start), failed);
	return 0;
}
