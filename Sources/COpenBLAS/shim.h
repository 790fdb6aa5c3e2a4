// OpenBLAS: CBLAS for matrix products, thread control, and the LAPACK routines Sift calls.
#include <cblas.h>

// LAPACK symmetric eigen-decomposition (Fortran ABI, shipped inside libopenblas).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);

// glibc's mallopt, used by Runtime.configure to keep big freed buffers in the heap.
#include <malloc.h>
