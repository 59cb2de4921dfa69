// libpng from Debian's libpng-dev, for image-folder data sets (PNG files). Only LARSData imports it.
#include <png.h>
