{{/* Names: every object is named after the release, so helm-deploy's release names are the object names. */}}
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "app.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image, pinned by digest when one is given (helm-deploy always gives one). */}}
{{- define "app.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Which part of a strategy this release plays. */}}
{{- define "app.isRouter" -}}
{{- if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "router") -}}true{{- end -}}
{{- end -}}

{{- define "app.isColor" -}}
{{- if and .Values.blueGreen.enabled (eq .Values.blueGreen.role "color") -}}true{{- end -}}
{{- end -}}

{{/* The Service whose traffic these pods take: their own, or stable's for a replica-ratio canary. */}}
{{- define "app.serviceName" -}}
{{- if and .Values.canary.enabled (eq .Values.canary.router "replicas") -}}
{{- required "canary.stableService is required for a replica-ratio canary" .Values.canary.stableService -}}
{{- else -}}
{{- include "app.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "app.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
