/*
 * hoplimit: the one thing Node.js cannot do for `serve --hop-limit`.
 *
 * Creates a listening TCP socket with IP_TTL (IPv4) or IPV6_UNICAST_HOPS
 * (IPv6) set, and returns its file descriptor; Node.js then adopts it with
 * server.listen({ fd }). On Linux, sockets returned by accept() inherit these
 * options from the listening socket, so every answer leaves with that TTL /
 * hop limit (selfTest checks exactly that). Linux only; N-API, so one build
 * loads in every Node.js version that has N-API 8.
 *
 * Exports:
 *   listenSocket(host, port, hopLimit, backlog) -> fd
 *       host: a numeric IPv4 or IPv6 address (an IPv6 scope such as %eth0 is allowed).
 *       Mirrors libuv: SO_REUSEADDR, IPV6_V6ONLY off, close-on-exec, non-blocking.
 *   getHopLimit(fd) -> number    the TTL / hop limit of a socket: IPV6_UNICAST_HOPS for
 *       IPv6, IP_TTL for IPv4 and for IPv6 sockets bound to an IPv4-mapped address
 *   selfTest(host, hopLimit) -> { listener, accepted }
 *       listens on host:0 with hopLimit, connects to it, accepts, and reports
 *       getHopLimit of the listening and of the accepted socket.
 * Failures throw an Error with `errno` (number) and `syscall` set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <node_api.h>

#define CHECK(call)                                                             \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error(env, NULL, "hoplimit: N-API call failed: " #call);       \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char msg[160];
  napi_value error, message, code_value, syscall_value;
  snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_error(env, NULL, message, &error) != napi_ok) {
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  if (napi_create_int32(env, err, &code_value) == napi_ok)
    napi_set_named_property(env, error, "errno", code_value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

/* Sets the TTL / hop limit on fd for its family; returns 0 or an errno. */
static int set_hop_limit(int fd, int family, int hop_limit) {
  if (family == AF_INET6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hop_limit, sizeof hop_limit) != 0) return errno;
    /* IPv4-mapped peers of a dual-stack socket are answered by the IPv4 code. */
    (void)setsockopt(fd, IPPROTO_IP, IP_TTL, &hop_limit, sizeof hop_limit);
    return 0;
  }
  return setsockopt(fd, IPPROTO_IP, IP_TTL, &hop_limit, sizeof hop_limit) != 0 ? errno : 0;
}

/* Reads the TTL / hop limit of fd for its family into *out; returns 0 or an errno. */
static int get_hop_limit(int fd, int *out) {
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss, len = sizeof *out;
  if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) return errno;
  /* An IPv6 socket talking to an IPv4-mapped peer sends IPv4 packets: IP_TTL applies. */
  if (ss.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
    return getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, out, &len) != 0 ? errno : 0;
  return getsockopt(fd, IPPROTO_IP, IP_TTL, out, &len) != 0 ? errno : 0;
}

/* Creates, configures, binds and listens; returns the fd, or -1 with *syscall and *err set. */
static int open_listener(const char *host, int port, int hop_limit, int backlog, const char **syscall, int *err) {
  struct addrinfo hints, *ai = NULL;
  char service[8];
  int fd, on = 1, off = 0, rc;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  snprintf(service, sizeof service, "%d", port);
  rc = getaddrinfo(host, service, &hints, &ai);
  if (rc != 0 || ai == NULL) {
    *syscall = "getaddrinfo";
    *err = rc == EAI_SYSTEM ? errno : EINVAL;
    return -1;
  }
  fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *syscall = "socket";
    *err = errno;
    freeaddrinfo(ai);
    return -1;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
    *syscall = "setsockopt(SO_REUSEADDR)";
    goto fail;
  }
  if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0) {
    *syscall = "setsockopt(IPV6_V6ONLY)";
    goto fail;
  }
  if ((rc = set_hop_limit(fd, ai->ai_family, hop_limit)) != 0) {
    errno = rc;
    *syscall = ai->ai_family == AF_INET6 ? "setsockopt(IPV6_UNICAST_HOPS)" : "setsockopt(IP_TTL)";
    goto fail;
  }
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    *syscall = "bind";
    goto fail;
  }
  if (listen(fd, backlog) != 0) {
    *syscall = "listen";
    goto fail;
  }
  freeaddrinfo(ai);
  return fd;
fail:
  *err = errno;
  close(fd);
  freeaddrinfo(ai);
  return -1;
}

static int read_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "hoplimit: missing arguments");
    return 0;
  }
  return 1;
}

static int read_int(napi_env env, napi_value v, int min, int max, const char *what, int *out) {
  int32_t n;
  if (napi_get_value_int32(env, v, &n) != napi_ok || n < min || n > max) {
    char msg[96];
    snprintf(msg, sizeof msg, "hoplimit: %s must be an integer from %d to %d", what, min, max);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = n;
  return 1;
}

static int read_host(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len == 0 || len >= size - 1) {
    napi_throw_type_error(env, NULL, "hoplimit: host must be a numeric IP address");
    return 0;
  }
  return 1;
}

static napi_value js_listen_socket(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  char host[128];
  int port, hop_limit, backlog, fd, err = 0;
  const char *syscall = "";
  if (!read_args(env, info, 4, argv) || !read_host(env, argv[0], host, sizeof host) ||
      !read_int(env, argv[1], 0, 65535, "port", &port) || !read_int(env, argv[2], 1, 255, "hopLimit", &hop_limit) ||
      !read_int(env, argv[3], 1, 65535, "backlog", &backlog))
    return NULL;
  fd = open_listener(host, port, hop_limit, backlog, &syscall, &err);
  if (fd < 0) return throw_errno(env, syscall, err);
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

static napi_value js_get_hop_limit(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int fd, value = 0, err;
  if (!read_args(env, info, 1, argv) || !read_int(env, argv[0], 0, 0x7fffffff, "fd", &fd)) return NULL;
  if ((err = get_hop_limit(fd, &value)) != 0) return throw_errno(env, "getsockopt", err);
  CHECK(napi_create_int32(env, value, &result));
  return result;
}

static napi_value js_self_test(napi_env env, napi_callback_info info) {
  napi_value argv[2], result, v;
  char host[128];
  int hop_limit, listener, client = -1, accepted = -1, err = 0, listener_hops = 0, accepted_hops = 0;
  const char *syscall = "";
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  if (!read_args(env, info, 2, argv) || !read_host(env, argv[0], host, sizeof host) ||
      !read_int(env, argv[1], 1, 255, "hopLimit", &hop_limit))
    return NULL;
  listener = open_listener(host, 0, hop_limit, 1, &syscall, &err);
  if (listener < 0) return throw_errno(env, syscall, err);
  if (getsockname(listener, (struct sockaddr *)&ss, &sslen) != 0) { syscall = "getsockname"; goto fail; }
  client = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client < 0) { syscall = "socket"; goto fail; }
  if (connect(client, (struct sockaddr *)&ss, sslen) != 0) { syscall = "connect"; goto fail; }
  /* The handshake is complete once connect() returns on loopback; accept may still race, so retry briefly. */
  for (int i = 0; i < 1000 && accepted < 0; i++) {
    accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (accepted < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
    if (accepted < 0) usleep(1000);
  }
  if (accepted < 0) { syscall = "accept"; goto fail; }
  if ((err = get_hop_limit(listener, &listener_hops)) != 0 || (err = get_hop_limit(accepted, &accepted_hops)) != 0) {
    errno = err;
    syscall = "getsockopt";
    goto fail;
  }
  close(accepted);
  close(client);
  close(listener);
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, listener_hops, &v));
  CHECK(napi_set_named_property(env, result, "listener", v));
  CHECK(napi_create_int32(env, accepted_hops, &v));
  CHECK(napi_set_named_property(env, result, "accepted", v));
  return result;
fail:
  err = errno;
  if (accepted >= 0) close(accepted);
  if (client >= 0) close(client);
  close(listener);
  return throw_errno(env, syscall, err);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"listenSocket", NULL, js_listen_socket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getHopLimit", NULL, js_get_hop_limit, NULL, NULL, NULL, napi_enumerable, NULL},
    {"selfTest", NULL, js_self_test, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
