// Open MPI's C interface, from Debian's libopenmpi-dev. Only LARSDistributed imports it.
//
// Open MPI spells its predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) as macros that
// take the address of a global, which Swift cannot import; these inline functions hand them over
// as values instead.
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
