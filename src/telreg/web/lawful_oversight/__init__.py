"""The regulator's lawful-access pages (issue 16 §6): oversight of every request, and the transparency report."""
