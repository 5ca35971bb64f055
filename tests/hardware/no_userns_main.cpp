// qoima-test-no-userns (tests only): runs a command where no user namespace
// can be created, as on a kernel with unprivileged user namespaces disabled
// (user.max_user_namespaces=0): unshare() and clone() with CLONE_NEWUSER fail
// with EPERM for the command and everything it starts.
//   qoima-test-no-userns COMMAND [ARG...]
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: qoima-test-no-userns COMMAND [ARG...]\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return 3;
  scmp_arg_cmp userns{};
  userns.arg = 0;
  userns.op = SCMP_CMP_MASKED_EQ;
  userns.datum_a = CLONE_NEWUSER;
  userns.datum_b = CLONE_NEWUSER;
  bool ok = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1, userns) == 0 &&
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, userns) == 0 &&
            // clone3 passes its flags in memory a filter cannot read: make
            // callers fall back to clone.
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;
  if (!ok || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) return 3;
  seccomp_release(ctx);
  execvp(argv[1], argv + 1);
  std::perror("qoima-test-no-userns: exec");
  return 127;
}
