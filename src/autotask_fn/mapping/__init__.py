"""Pure mapping between Field Nation and Autotask: markers, text, outbound (FN -> AT)."""
