/* sb_systemd_listen: stand in for systemd's notification socket in tests.
 *
 *     sb_systemd_listen SOCKET [WATCH_PATH]
 *
 * Binds a datagram socket at SOCKET (a path, or "@name" for the abstract
 * namespace, as $NOTIFY_SOCKET spells it), prints "LISTENING" once bound,
 * then prints every line of every datagram it receives, flushed, one per
 * line. When a datagram carries READY=1 and WATCH_PATH is given, it checks
 * at that very moment whether WATCH_PATH exists and prints
 * "WATCH_PATH_PRESENT=1" or "=0" (the daemon's ipc socket must be bound
 * before it says it is ready). Runs until killed.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: sb_systemd_listen SOCKET [WATCH_PATH]\n");
        return 2;
    }
    size_t len = strlen(argv[1]);
    if (len < 2 || len > sizeof sa.sun_path) {
        fprintf(stderr, "sb_systemd_listen: bad socket name %s\n", argv[1]);
        return 2;
    }
    memcpy(sa.sun_path, argv[1], len);
    if (sa.sun_path[0] == '@')
        sa.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, salen) != 0) {
        perror("sb_systemd_listen: bind");
        return 1;
    }
    printf("LISTENING\n");
    fflush(stdout);
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0) {
            perror("sb_systemd_listen: recv");
            return 1;
        }
        buf[n] = '\0';
        int ready = 0;
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            printf("%s\n", line);
            if (strcmp(line, "READY=1") == 0)
                ready = 1;
        }
        if (ready && argc == 3) {
            struct stat st;
            printf("WATCH_PATH_PRESENT=%d\n", stat(argv[2], &st) == 0);
        }
        fflush(stdout);
    }
}
