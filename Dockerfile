# gitops-restart's container image: the static (musl) release binary on distroless's static
# base, which holds CA certificates, time zones and a nonroot user, and no shell or package
# manager. It runs as that user (65532, numeric so that Kubernetes' runAsNonRoot can check it).
#
# The binary is taken from the build context, where scripts/package.sh leaves it for the Linux
# musl targets (dist/image/linux/ARCH/gitops-restart) and the release workflow extracts it from
# the release's own archives, so the image holds the released binary byte for byte:
#   scripts/package.sh x86_64-unknown-linux-musl
#   docker build --platform linux/amd64 -t gitops-restart .
#   docker run --rm gitops-restart --version
FROM gcr.io/distroless/static-debian12:nonroot

ARG TARGETPLATFORM
COPY dist/image/${TARGETPLATFORM}/gitops-restart /usr/local/bin/gitops-restart

USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/gitops-restart"]
CMD ["--help"]
