"""Analysis of saved results: policy comparison and its report (sensitivity and calibration
to come). Everything here reads run folders; nothing reruns the model."""
