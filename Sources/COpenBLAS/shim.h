// OpenBLAS: CBLAS for matrix products, thread control, and the LAPACK routines Sift calls.
#include <cblas.h>

// LAPACK symmetric eigen-decomposition (Fortran ABI, shipped inside libopenblas).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);

// glibc's mallopt, used by Runtime.configure to keep big freed buffers in the heap.
#include <malloc.h>

// The SSE/AVX control register (MXCSR) of the calling thread. Sift sets flush-to-zero and
// denormals-are-zero (0x8040) for its own process: denormal floats, which appear early in
// training (e.g. in decaying Adam moments), make arithmetic ~100x slower. Parallel workers adopt
// the caller's mode so that results do not depend on which thread computed them.
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline unsigned int sift_fp_mode(void) { return _mm_getcsr(); }
static inline void sift_set_fp_mode(unsigned int mode) { _mm_setcsr(mode); }
#else
static inline unsigned int sift_fp_mode(void) { return 0; }
static inline void sift_set_fp_mode(unsigned int mode) { (void)mode; }
#endif
static inline void sift_flush_denormals(void) { sift_set_fp_mode(sift_fp_mode() | 0x8040); }

// A spin-wait hint (x86 PAUSE) for the worker pool's short waits.
#if defined(__x86_64__) || defined(__i386__)
static inline void sift_cpu_relax(void) { _mm_pause(); }
#else
static inline void sift_cpu_relax(void) {}
#endif
