/**
 * Berth's default seccomp policy, equivalent in effect to Docker's default profile: deny (EPERM)
 * everything except a list of ordinary syscalls; syscalls that need a capability (mount, unshare,
 * setns, ptrace, module loading, reboot, …) are allowed only when the container holds it; `clone`
 * may not create namespaces without CAP_SYS_ADMIN; `clone3` returns ENOSYS so libc falls back to
 * the filtered `clone`; keyctl/add_key/request_key, userfaultfd, kexec, swapon … stay denied.
 *
 * Expressed in Docker's profile format (conditions resolved per container by seccomp.ts) so a
 * user-supplied `seccomp=<json>` profile goes through the same code.
 */

export interface SeccompArgRule {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompFilter {
  /** Capabilities that must all be held (includes) / any of which excludes the rule. */
  caps?: string[];
  /** Docker/Go architecture names: amd64, arm64, x86, arm, … */
  arches?: string[];
  minKernel?: string;
}

export interface SeccompRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: SeccompArgRule[] | null;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }> | null;
  syscalls?: SeccompRule[] | null;
  flags?: string[];
}

const EPERM = 1;
const ENOSYS = 38;
const AF_VSOCK = 40;
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: clone may set none of these. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** Syscalls any container may make. */
const ALWAYS_ALLOWED = words(`
  accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
  clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
  clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat
  dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
  epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group
  faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat
  fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
  fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64
  futex futex_time64 futex_waitv futimesat
  getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32
  getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority
  getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage
  getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr
  inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
  io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
  ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc kill
  landlock_add_rule landlock_create_ruleset landlock_restrict_self
  lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek
  lsetxattr lstat lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat
  mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open
  mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap
  msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep
  newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2
  pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2
  prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2
  read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
  remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
  rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
  sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
  sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
  sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
  semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
  sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32
  setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid
  setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
  set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
  sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice
  stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo
  tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
  timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64
  timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname
  unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid
  waitpid write writev
`);

const allow = (names: string, extra: Partial<SeccompRule> = {}): SeccompRule => ({
  names: words(names),
  action: 'SCMP_ACT_ALLOW',
  ...extra,
});
const withCap = (names: string, cap: string): SeccompRule => allow(names, { includes: { caps: [cap] } });
const onArches = (names: string, ...arches: string[]): SeccompRule => allow(names, { includes: { arches } });
const argEq = (index: number, value: number): SeccompArgRule[] => [{ index, value, op: 'SCMP_CMP_EQ' }];

/** Personality values a process may set: PER_LINUX, PER_LINUX32, UNAME26 variants, and a query. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

export const DEFAULT_SECCOMP_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: EPERM,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    { architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'] },
    { architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'] },
    { architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'] },
    { architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'] },
    { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
    { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
  ],
  syscalls: [
    { names: ALWAYS_ALLOWED, action: 'SCMP_ACT_ALLOW' },
    allow('process_vm_readv process_vm_writev ptrace', { includes: { minKernel: '4.8' } }),
    // Any socket family but AF_VSOCK.
    allow('socket', { args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] }),
    ...PERSONALITIES.map((p) => allow('personality', { args: argEq(0, p) })),
    onArches('sync_file_range2 swapcontext', 'ppc64le'),
    onArches(
      'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls',
      'arm',
      'arm64',
    ),
    onArches('arch_prctl', 'amd64', 'x32'),
    onArches('modify_ldt', 'amd64', 'x32', 'x86'),
    onArches('s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr', 's390', 's390x'),
    onArches('riscv_flush_icache', 'riscv64'),
    withCap('open_by_handle_at', 'CAP_DAC_READ_SEARCH'),
    withCap(
      `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount
       mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname
       sethostname setns syslog umount umount2 unshare`,
      'CAP_SYS_ADMIN',
    ),
    // Without CAP_SYS_ADMIN, clone may run only if it creates no namespace (flags masked to 0).
    allow('clone', {
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
    }),
    allow('clone', {
      args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      comment: 's390 passes the clone flags second',
      includes: { arches: ['s390', 's390x'] },
      excludes: { caps: ['CAP_SYS_ADMIN'] },
    }),
    // clone3's flags live in memory seccomp cannot inspect: answer ENOSYS so libc uses clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    withCap('reboot', 'CAP_SYS_BOOT'),
    withCap('chroot', 'CAP_SYS_CHROOT'),
    withCap('delete_module init_module finit_module', 'CAP_SYS_MODULE'),
    withCap('acct', 'CAP_SYS_PACCT'),
    withCap('kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace', 'CAP_SYS_PTRACE'),
    withCap('iopl ioperm', 'CAP_SYS_RAWIO'),
    withCap('settimeofday stime clock_settime clock_settime64', 'CAP_SYS_TIME'),
    withCap('vhangup', 'CAP_SYS_TTY_CONFIG'),
    withCap('get_mempolicy mbind set_mempolicy set_mempolicy_home_node', 'CAP_SYS_NICE'),
    withCap('syslog', 'CAP_SYSLOG'),
    withCap('bpf', 'CAP_BPF'),
    withCap('perf_event_open', 'CAP_PERFMON'),
  ],
};
