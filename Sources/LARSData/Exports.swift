@_exported import LARSCore
