//! Status of each memory, reprocess planning and jobs, journal (in progress).
