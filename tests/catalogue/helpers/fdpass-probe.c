// fdpass-probe FILE: opens FILE and passes its descriptor over a unix socket pair with
// SCM_RIGHTS, as the fdpass gadget's workload (the VM has no python to do it).
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fdpass-probe FILE\n");
    return 2;
  }
  int pair[2];
  int fd = open(argv[1], O_RDONLY | O_CREAT, 0600);
  if (fd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
    perror("fdpass-probe");
    return 1;
  }
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  if (sendmsg(pair[0], &msg, 0) != 1 || recv(pair[1], &byte, 1, 0) != 1) {
    perror("fdpass-probe: sendmsg");
    return 1;
  }
  return 0;
}
