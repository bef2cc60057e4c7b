/* The image's HEALTHCHECK: the runtime image holds no shell and no curl, so
 * this tiny static program asks the hub's admin port for a path over
 * loopback and exits 0 on HTTP 200, 1 otherwise (Docker's convention).
 *
 *   hub-healthcheck [path]   path defaults to /readyz; the port comes from
 *                            HUB_ADMIN_PORT (the hub's own variable), else 9090
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/readyz";
  const char *port_env = getenv("HUB_ADMIN_PORT");
  long port = port_env && *port_env ? strtol(port_env, NULL, 10) : 9090;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "hub-healthcheck: bad HUB_ADMIN_PORT\n");
    return 1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 1;
  /* Docker kills a slow check anyway; bound it ourselves so a wedged hub
   * reads as unhealthy rather than as a hung check. */
  struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("hub-healthcheck: connect");
    return 1;
  }
  char request[512];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  if (n <= 0 || (size_t)n >= sizeof request || write(fd, request, (size_t)n) != n) return 1;
  char status[64];
  size_t got = 0;
  while (got < sizeof status - 1) {
    ssize_t r = read(fd, status + got, sizeof status - 1 - got);
    if (r <= 0) break;
    got += (size_t)r;
    if (memchr(status, '\n', got)) break;
  }
  status[got] = '\0';
  close(fd);
  /* "HTTP/1.1 200 OK" */
  if (strncmp(status, "HTTP/1.", 7) == 0 && strncmp(status + 8, " 200", 4) == 0) return 0;
  fprintf(stderr, "hub-healthcheck: %s answered: %.40s\n", path, status);
  return 1;
}
