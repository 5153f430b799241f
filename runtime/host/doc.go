// Package host says what a run may take of the machine it runs on, so that
// a command refuses settings that cannot fit before it allocates for them:
// the memory this process can use ([MemoryLimit]: the machine's, or the
// memory cgroup's limit, or GOMEMLIMIT), whether a set of settings fits it
// ([FitMemory], with an error naming the flag to lower and how far), the
// most threads a command line accepts ([MaxThreads]), and the saturating
// arithmetic and the wording of memory sizes.
//
// Model binaries (runtime/modelcli) and incc's commands use it. It imports
// only the standard library.
package host
